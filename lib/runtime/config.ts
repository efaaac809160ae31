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
import { readInstance, readQovery, readReconcile, readWebhook } from '../instances/settings';
import { readMail } from '../platform/mail/settings';
import { readStorage } from '../platform/storage/settings';
import { readCore } from './settings';

/**
 * Every section of settings, by name, each read by the `settings.ts` of the code that uses it
 * (lib/basics/settings.ts says how a setting is declared). A function lists the sections it uses
 * (lib/runtime/index.ts); it gets those settings and no other, in its environment, its secrets and
 * its IAM role.
 */
const sections = {
  core: readCore,
  actions: readActions,
  jwt: readJwt,
  auth: readAuth,
  limits: readLimits,
  accounts: readAccounts,
  mail: readMail,
  qovery: readQovery,
  instance: readInstance,
  storage: readStorage,
  reconcile: readReconcile,
  webhook: readWebhook,
};
type Sections = typeof sections;
export type Section = keyof Sections;
export type Config<S extends Section> = { [K in S]: ReturnType<Sections[K]> };
export const sectionNames = Object.keys(sections) as Section[];

const secretValuesOf = new WeakMap<object, readonly string[]>();

/** Names come from function modules (`handler.sections`): one this file does not know is a bug. */
function sectionOf(name: SectionName): Sections[Section] {
  if (!Object.hasOwn(sections, name)) throw new TypeError(`Unknown settings section "${name}"`);
  return sections[name as Section];
}

function read<S extends SectionName>(env: Env, wanted: readonly S[], options?: ReaderOptions) {
  const reader = new EnvReader(env, options);
  const config = Object.fromEntries(wanted.map((name) => [name, sectionOf(name)(reader)]));
  return { reader, config };
}

/** Reads the given sections of the configuration; throws one ConfigError listing every problem. */
export function loadConfig<S extends Section>(env: Env, wanted: readonly S[]): Config<S> {
  const { reader, config } = read(env, wanted);
  if (reader.problems.length > 0) throw new ConfigError(reader.problems);
  secretValuesOf.set(config, [...reader.secretValues]);
  return config as Config<S>;
}

/** Every problem of the given sections (all of them when `secrets: 'skip'` is not given). */
export function configProblems(env: Env, wanted: readonly SectionName[], options?: ReaderOptions): string[] {
  return read(env, wanted, options).reader.problems;
}

/** The settings the given sections read, each once, with their kind (secret or plain). */
export function settingsOf(wanted: readonly SectionName[]): SettingInfo[] {
  return [...read({}, wanted).reader.read.values()];
}

/** The values that must never be written anywhere: handed to the logger for redaction. */
export function secretsOf(config: object): string[] {
  return [...(secretValuesOf.get(config) ?? [])].filter((v) => v.length > 0);
}
