/**
 * The settings reader: variables read once per cold start and validated, every missing or invalid
 * one reported together in one ConfigError. Secrets never have defaults and their values never
 * appear in messages. This file knows no setting: it only reads and checks.
 *
 * Each setting is declared once, in the section reader of the code that uses it, a `settings.ts`
 * beside that code (lib/accounts/settings.ts, lib/action/settings.ts, lib/instances/settings.ts,
 * lib/platform/mail/settings.ts, lib/platform/storage/settings.ts, lib/runtime/settings.ts). A
 * section reader names a setting by reading it: `r.secret(...)` makes it a secret, which on AWS is
 * read from SSM Parameter Store at cold start (lib/platform/secrets.ts) instead of the environment,
 * and which the logger masks. lib/runtime/config.ts lists the sections; a function declares the
 * sections it uses once, in lib/runtime/index.ts (`defineRuntime({ core: readCore, ... }, build)`);
 * from that, `npx serverless package` derives the function's environment (plain settings only)
 * and its IAM role (only its own parameters): see plugins/settings-plugin.ts. To add a setting:
 * read it in a section (or a new section, listed in lib/runtime/config.ts `sections`), and give
 * the section's reader to the runtimes that need it. Nothing else to keep in sync.
 */

export type Env = Record<string, string | undefined>;

/**
 * The name of a section of settings, as a function declares the ones it reads (`handler.sections`).
 * Which names exist is lib/runtime/config.ts's to say; below it, a name is only carried along.
 */
export type SectionName = string;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n- ${problems.join('\n- ')}`,
    );
  }
}

/** One setting as the section readers declare it. */
export interface SettingInfo {
  name: string;
  /** Read from SSM Parameter Store on AWS, masked in logs, never in an environment variable. */
  secret: boolean;
  /** A secret the operator may leave out (`r.optionalSecret`): its SSM parameter may not exist. */
  optional?: true;
}

export interface ReaderOptions {
  /** 'skip': secrets are not checked (packaging validates the plain settings only). */
  secrets?: 'check' | 'skip';
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/**
 * Reads variables and collects every problem instead of stopping at the first. A section reader
 * with a rule of its own (one setting that depends on another, a JSON value) checks it itself and
 * adds its message to `problems`.
 */
export class EnvReader {
  readonly problems: string[] = [];
  /** Every setting read, in order, with its kind: the declaration tools read this. */
  readonly read = new Map<string, SettingInfo>();
  /** Values of the secrets read, for the logger to mask. */
  readonly secretValues: string[] = [];
  constructor(
    private readonly env: Env,
    private readonly options: ReaderOptions = {},
  ) {}

  private raw(name: string, secret = false, optional = false): string | undefined {
    if (!this.read.has(name)) this.read.set(name, optional ? { name, secret, optional } : { name, secret });
    const value = this.env[name]?.trim();
    return value === '' ? undefined : value;
  }

  /** Whether secrets are left unchecked (packaging): a secret then reads as '' (or undefined). */
  get skippingSecrets(): boolean {
    return this.options.secrets === 'skip';
  }

  secret(name: string, minLength = 16): string {
    const value = this.raw(name, true);
    if (this.skippingSecrets) return '';
    if (value === undefined) this.problems.push(`${name} is required`);
    else if (value.length < minLength) this.problems.push(`${name} must be at least ${minLength} characters`);
    if (value !== undefined) this.secretValues.push(value);
    return value ?? '';
  }

  string(name: string, fallback?: string): string {
    const value = this.raw(name) ?? fallback;
    if (value === undefined) this.problems.push(`${name} is required`);
    return value ?? '';
  }

  optional(name: string): string | undefined {
    return this.raw(name);
  }

  /**
   * A secret the operator may leave out (e.g. an SMTP password): a secret when given; on AWS its
   * SSM parameter is read when it exists and its absence is no problem (lib/platform/secrets.ts).
   */
  optionalSecret(name: string): string | undefined {
    const value = this.raw(name, true, true);
    if (this.skippingSecrets) return undefined;
    if (value !== undefined) this.secretValues.push(value);
    return value;
  }

  /** An https URL; plain http only on loopback (local stand-ins, a Hasura in Docker). */
  url(name: string, fallback?: string): string {
    const value = this.string(name, fallback);
    if (value === '') return value;
    let url: URL | undefined;
    try {
      url = /^https?:\/\/[^\s]+$/.test(value) ? new URL(value) : undefined;
    } catch {
      url = undefined;
    }
    if (url === undefined) this.problems.push(`${name} must be an https URL`);
    else if (url.protocol !== 'https:' && !LOOPBACK.test(url.hostname))
      this.problems.push(`${name} must use https (plain http is only accepted on localhost)`);
    return value.replace(/\/+$/, '');
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const text = this.raw(name);
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!/^-?\d+$/.test(text) || value < min || value > max) {
      this.problems.push(`${name} must be an integer from ${min} to ${max}`);
      return fallback;
    }
    return value;
  }

  pattern(name: string, regex: RegExp, what: string, fallback: string): string {
    const value = this.raw(name) ?? fallback;
    if (value !== fallback && !regex.test(value)) this.problems.push(`${name} must be ${what}`);
    return value;
  }

  bool(name: string, fallback: boolean): boolean {
    const text = this.raw(name)?.toLowerCase();
    if (text === undefined) return fallback;
    if (text === 'true' || text === '1') return true;
    if (text === 'false' || text === '0') return false;
    this.problems.push(`${name} must be true or false`);
    return fallback;
  }

  oneOf<T extends string>(name: string, values: readonly T[], fallback: T): T {
    const value = this.raw(name) ?? fallback;
    if (!values.includes(value as T)) this.problems.push(`${name} must be one of ${values.join(', ')}`);
    return value as T;
  }
}
