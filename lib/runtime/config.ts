import { readAccounts, readAuth, readJwt } from '../accounts/settings';
import { readActions, readLimits } from '../action/settings';
import {
  ConfigError,
  type Env,
  EnvReader,
  type ReaderOptions,
  type SectionName,
  type SettingInfo,
} from '../basics/settings';
import { readDomains } from '../instances/domains/settings';
import { readInstance, readQovery, readReconcile, readWebhook } from '../instances/settings';
import { readCaptcha } from '../platform/captcha/settings';
import { readMail } from '../platform/mail/settings';
import { readStorage } from '../platform/storage/settings';
import { readCore } from './settings';

/**
 * Every section of settings, by name, each read by the `settings.ts` of the code that uses it
 * (lib/basics/settings.ts says how a setting is declared). A function's runtime passes the readers
 * of the sections it uses (lib/runtime/index.ts `defineRuntime`), so that it gets those settings
 * and no other, in its environment, its secrets and its IAM role, and its bundle carries those
 * readers alone. The tools that know a function by its declared names (packaging, `npm start`,
 * the tests) read through this table.
 */
const sections = {
  core: readCore,
  actions: readActions,
  jwt: readJwt,
  auth: readAuth,
  limits: readLimits,
  accounts: readAccounts,
  mail: readMail,
  captcha: readCaptcha,
  qovery: readQovery,
  instance: readInstance,
  storage: readStorage,
  reconcile: readReconcile,
  webhook: readWebhook,
  domains: readDomains,
};
type Sections = typeof sections;
export type Section = keyof Sections;
export type Config<S extends Section> = { [K in S]: ReturnType<Sections[K]> };
/** The readers of some sections, by name: `{ core: readCore, jwt: readJwt }`. */
export type Readers<S extends Section> = Pick<Sections, S>;
export const sectionNames = /* @__PURE__ */ Object.keys(sections) as Section[];

const secretValuesOf = new WeakMap<object, readonly string[]>();

function read(env: Env, readers: Partial<Sections>, options?: ReaderOptions) {
  const reader = new EnvReader(env, options);
  const entries = Object.entries(readers) as [string, (r: EnvReader) => unknown][];
  const config = Object.fromEntries(entries.map(([name, readSection]) => [name, readSection(reader)]));
  return { reader, config };
}

/** Reads the sections of `readers`; throws one ConfigError listing every problem. */
export function loadConfigWith<S extends Section>(env: Env, readers: Readers<S>): Config<S> {
  const { reader, config } = read(env, readers);
  if (reader.problems.length > 0) throw new ConfigError(reader.problems);
  secretValuesOf.set(config, [...reader.secretValues]);
  return config as Config<S>;
}

/** The settings the sections of `readers` read, each once, with their kind (secret or plain). */
export function settingsOfReaders(readers: Partial<Sections>): SettingInfo[] {
  return [...read({}, readers).reader.read.values()];
}

/** Names come from function modules (`handler.sections`): one this file does not know is a bug. */
function readersOf(names: readonly SectionName[]): Partial<Sections> {
  const unknown = names.find((name) => !Object.hasOwn(sections, name));
  if (unknown !== undefined) throw new TypeError(`Unknown settings section "${unknown}"`);
  return Object.fromEntries(names.map((name) => [name, sections[name as Section]]));
}

/** Reads the given sections of the configuration; throws one ConfigError listing every problem. */
export function loadConfig<S extends Section>(env: Env, wanted: readonly S[]): Config<S> {
  return loadConfigWith(env, readersOf(wanted) as Readers<S>);
}

/** Every problem of the given sections (all of them when `secrets: 'skip'` is not given). */
export function configProblems(env: Env, wanted: readonly SectionName[], options?: ReaderOptions): string[] {
  return read(env, readersOf(wanted), options).reader.problems;
}

/** The settings the given sections read, each once, with their kind (secret or plain). */
export function settingsOf(wanted: readonly SectionName[]): SettingInfo[] {
  return settingsOfReaders(readersOf(wanted));
}

/**
 * Reads the given sections with the given reader and returns it: the tools that document the
 * settings (scripts/settings-docs.ts) pass a reader that also records what each call checks.
 */
export function readWith<R extends EnvReader>(reader: R, wanted: readonly SectionName[]): R {
  for (const readSection of Object.values(readersOf(wanted)) as ((r: EnvReader) => unknown)[])
    readSection(reader);
  return reader;
}

/** The reader after reading the given sections from `env` (empty by default). */
export function readerOf(wanted: readonly SectionName[], env: Env = {}): EnvReader {
  return readWith(new EnvReader(env), wanted);
}

/** The values that must never be written anywhere: handed to the logger for redaction. */
export function secretsOf(config: object): string[] {
  return [...(secretValuesOf.get(config) ?? [])].filter((v) => v.length > 0);
}
