import { EnvReader } from '../lib/basics/settings';

/** What a reader call says about its setting besides its kind, for the generated reference docs. */
export interface SettingFacts {
  /** No default and no fallback: missing is a problem (some settings are required only with another). */
  required: boolean;
  /** The value used when the variable is absent or empty. */
  default?: string;
  /** Allowed values (oneOf, bool). */
  choices?: readonly string[];
  /** Allowed integers, inclusive. */
  range?: readonly [number, number];
  /** Anything else the reader checks: "https URL", "at least 16 characters", a pattern's description. */
  format?: string;
}

/**
 * The settings reader of lib/basics/settings.ts that also records what each call checks
 * (required, default, range, choices), for `npm run docs`. It lives here, not in the reader the
 * functions load, so that documenting the settings adds nothing to a function's bundle.
 */
export class DocumentingReader extends EnvReader {
  readonly facts = new Map<string, SettingFacts>();

  /** The first call for a name says it, as for `read`. */
  private note(name: string, facts: SettingFacts): void {
    if (!this.facts.has(name)) this.facts.set(name, facts);
  }

  override secret(name: string, minLength = 16): string {
    this.note(name, {
      required: true,
      ...(minLength > 0 ? { format: `at least ${minLength} characters` } : {}),
    });
    return super.secret(name, minLength);
  }

  override string(name: string, fallback?: string): string {
    this.note(name, fallback === undefined ? { required: true } : { required: false, default: fallback });
    return super.string(name, fallback);
  }

  override optional(name: string): string | undefined {
    this.note(name, { required: false });
    return super.optional(name);
  }

  override optionalSecret(name: string): string | undefined {
    this.note(name, { required: false });
    return super.optionalSecret(name);
  }

  override url(name: string, fallback?: string): string {
    const format = 'https URL (http on localhost)';
    this.note(
      name,
      fallback === undefined ? { required: true, format } : { required: false, default: fallback, format },
    );
    return super.url(name, fallback);
  }

  override int(name: string, fallback: number, min: number, max: number): number {
    this.note(name, { required: false, default: String(fallback), range: [min, max] });
    return super.int(name, fallback, min, max);
  }

  override pattern(name: string, regex: RegExp, what: string, fallback: string): string {
    this.note(name, { required: false, default: fallback, format: what });
    return super.pattern(name, regex, what, fallback);
  }

  override bool(name: string, fallback: boolean): boolean {
    this.note(name, { required: false, default: String(fallback), choices: ['true', 'false'] });
    return super.bool(name, fallback);
  }

  override oneOf<T extends string>(name: string, values: readonly T[], fallback: T): T {
    this.note(name, { required: false, default: fallback, choices: values });
    return super.oneOf(name, values, fallback);
  }
}
