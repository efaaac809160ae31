import {
  DEFAULT_SIZES,
  DEPLOYMENT_PREFIX,
  type InstanceSettings,
  type QoverySettings,
  type Size,
} from '../instances/blueprint/blueprint';
import { DEPLOYABLE } from '../instances/blueprint/versions';
import type { SmtpSenderOptions } from '../platform/mail/smtp';
import { BUCKET_PREFIX, type StorageSettings } from '../platform/storage';

/**
 * Settings, read once per cold start and validated. Every missing or invalid variable is reported
 * together in one ConfigError; secrets never have defaults and their values never appear in
 * messages.
 *
 * This file is also THE declaration of what each setting is. A section reader below is the only
 * place a setting is named: reading it with `r.secret(...)` (or `r.jwt(...)`) makes it a secret,
 * which on AWS is read from SSM Parameter Store at cold start (lib/platform/secrets.ts) instead of the
 * environment, and which the logger masks. A function declares the sections it uses once, in
 * lib/runtime/index.ts (`defineRuntime([...sections], build)`); from that, `npx serverless package`
 * derives the function's environment (plain settings only) and its IAM role (only its own
 * parameters): see plugins/settings.js. To add a setting: add it to a section (or a new section in
 * `sections`), and list the section in the runtimes that need it. Nothing else to keep in sync.
 */

export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n- ${problems.join('\n- ')}`,
    );
  }
}

/** Hasura's JWT settings, parsed from the very JSON Hasura reads (`HASURA_GRAPHQL_JWT_SECRET`). */
export interface JwtSettings {
  key: Uint8Array;
  issuer?: string;
  audience?: string | string[];
  claimsNamespace: string;
  claimsFormat: 'json' | 'stringified_json';
}

/** What every function needs: Hasura's API (admin secret), a log level, where metrics go. */
export interface CoreConfig {
  hasura: { endpoint: string; adminSecret: string; timeoutMs: number };
  logLevel: LogLevel;
  /** CloudWatch namespace of the EMF metrics; set on AWS by the settings plugin, absent locally. */
  metricsNamespace?: string;
}

/** What every Hasura Action handler needs (not the scheduled or webhook functions). */
export interface ActionsConfig {
  /** Shared secret Hasura sends in the `x-actions-secret` header of every action call. */
  secret: string;
  /** Overall time an action may spend, well inside Hasura's and API Gateway's 30 s. */
  budgetMs: number;
}

export interface AuthConfig {
  bcryptCost: number;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** Absolute lifetime of a session (a refresh token family), from sign-in: no rotation extends it. */
  sessionMaxSeconds: number;
  /** Live sessions per user; a new one ends the least recently used beyond it. */
  maxSessionsPerUser: number;
}

/** Rate limits on every action, kept in the database (lib/action/handler/rate-limit.ts). */
export interface LimitsConfig {
  /** Window of the per-caller limits. */
  windowSeconds: number;
  /** Calls of one action per user (role `user`) within the window. */
  perUser: number;
  /** Calls of one action per client address (role `anonymous`) within the window. */
  perAddress: number;
  /** Sign-ups per client address per hour. */
  signupsPerAddressPerHour: number;
  /** Sign-ups per hour, everyone together. */
  signupsPerHour: number;
  /** Failed sign-ins per email AND client address within the window (the strict limit). */
  signinMaxFailures: number;
  /** Failed sign-ins per email, from all addresses together, within the window (the loose limit). */
  signinMaxFailuresPerEmail: number;
  signinWindowSeconds: number;
  /** Which X-Forwarded-For entry, from the right, holds the client's address (lib/action/handler/rate-limit.ts). */
  clientAddressDepth: number;
  /** Emails of one kind (verification, password reset) one address may be sent per hour. */
  mailsPerEmailPerHour: number;
}

/** Email verification, mailed tickets and their rate limit. */
export interface AccountsConfig {
  /** Off only for a private deployment: then CreateProject and StartProject need no verified email. */
  requireEmailVerification: boolean;
  verificationTtlSeconds: number;
  passwordResetTtlSeconds: number;
}

/** Who sends the emails, and what they say about the product. */
export interface MailConfig {
  productName: string;
  /** Base of the links in emails: <appUrl>/verify-email?token=…, <appUrl>/reset-password?token=… */
  appUrl: string;
  from: string;
  transport:
    | { kind: 'ses'; region?: string; configurationSet?: string }
    | ({ kind: 'smtp' } & Omit<SmtpSenderOptions, 'from' | 'timeoutMs'>);
  timeoutMs: number;
}

/** The scheduled reconciler (lib/instances/reconciler.ts). */
export interface ReconcileConfig {
  /** An environment of this deployment with no project row is deleted once this old. */
  orphanGraceSeconds: number;
  /** Revoked refresh tokens are kept this long (to catch the reuse of a rotated one), then purged. */
  revokedTokenRetentionSeconds: number;
}

/** The Qovery webhook function: the secret given to Qovery when registering the webhook. */
export interface WebhookConfig {
  secret: string;
}

export interface QoveryConfig extends Omit<QoverySettings, 'instance'> {
  maxProjectsPerUser: number;
}

export const logLevels = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

/** The metrics namespace (the variable Powertools Metrics reads, kept): the settings plugin sets it on AWS (AppWriteCloud/<stage>). */
export const METRICS_NAMESPACE_VARIABLE = 'POWERTOOLS_METRICS_NAMESPACE';

export const DEFAULT_CLAIMS_NAMESPACE = 'https://hasura.io/jwt/claims';

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
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Reads variables and collects every problem instead of stopping at the first. */
class EnvReader {
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

  /** Whether secrets are left unchecked (packaging). */
  get skippingSecrets(): boolean {
    return this.skipSecrets;
  }

  private get skipSecrets(): boolean {
    return this.options.secrets === 'skip';
  }

  secret(name: string, minLength = 16): string {
    const value = this.raw(name, true);
    if (this.skipSecrets) return '';
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
    if (this.skipSecrets) return undefined;
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

  /** A Qovery id: a UUID, as every id in Qovery's API. */
  uuid(name: string): string;
  uuid(name: string, optional: 'optional'): string | undefined;
  uuid(name: string, optional?: 'optional'): string | undefined {
    const value = optional ? this.optional(name) : this.string(name);
    if (value !== undefined && value !== '' && !UUID.test(value))
      this.problems.push(`${name} must be a UUID (the id shown in Qovery's console or API)`);
    return value;
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

  /** A JSON object of service sizes, merged over the defaults. */
  sizes(name: string): Record<string, Size> {
    const text = this.raw(name);
    if (text === undefined) return { ...DEFAULT_SIZES };
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const valid = (n: unknown, min: number, max: number) =>
      n === undefined || (Number.isInteger(n) && (n as number) >= min && (n as number) <= max);
    if (
      parsed === null ||
      typeof parsed !== 'object' ||
      Array.isArray(parsed) ||
      !Object.values(parsed).every(
        (size) =>
          size !== null &&
          typeof size === 'object' &&
          valid((size as Size).cpu, 10, 64000) &&
          valid((size as Size).memory, 32, 262144) &&
          valid((size as Size).storage, 4, 16384),
      )
    ) {
      this.problems.push(
        `${name} must be JSON like {"appwrite":{"cpu":1000,"memory":1024},"mariadb":{"storage":50}} (cpu in millicores, memory in MB, storage in GB ≥ 4)`,
      );
      return { ...DEFAULT_SIZES };
    }
    const merged: Record<string, Size> = { ...DEFAULT_SIZES };
    for (const [service, size] of Object.entries(parsed as Record<string, Partial<Size>>)) {
      const base = DEFAULT_SIZES[service] ?? DEFAULT_SIZES.default ?? { cpu: 100, memory: 256 };
      merged[service] = { ...base, ...size };
    }
    return merged;
  }

  jwt(name: string): JwtSettings {
    const fallback: JwtSettings = {
      key: new Uint8Array(),
      claimsNamespace: DEFAULT_CLAIMS_NAMESPACE,
      claimsFormat: 'json',
    };
    const text = this.raw(name, true);
    if (this.skipSecrets) return fallback;
    if (text !== undefined) this.secretValues.push(text);
    if (text === undefined) {
      this.problems.push(`${name} is required`);
      return fallback;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      this.problems.push(`${name} must be JSON like {"type":"HS256","key":"<at least 32 characters>"}`);
      return fallback;
    }
    const problems = jwtProblems(parsed);
    if (problems.length > 0) {
      this.problems.push(...problems.map((p) => `${name}: ${p}`));
      return fallback;
    }
    const json = parsed as Record<string, unknown>;
    this.secretValues.push(json.key as string);
    return {
      key: new TextEncoder().encode(json.key as string),
      issuer: json.issuer as string | undefined,
      audience: json.audience as string | string[] | undefined,
      claimsNamespace: (json.claims_namespace as string | undefined) ?? DEFAULT_CLAIMS_NAMESPACE,
      claimsFormat: (json.claims_format as JwtSettings['claimsFormat'] | undefined) ?? 'json',
    };
  }
}

function jwtProblems(json: unknown): string[] {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return ['must be a JSON object'];
  const o = json as Record<string, unknown>;
  const problems: string[] = [];
  if (o.type !== 'HS256')
    problems.push('"type" must be "HS256" (the only algorithm these functions sign with)');
  if (typeof o.key !== 'string' || o.key.length < 32)
    problems.push('"key" must be a string of at least 32 characters');
  if (o.jwk_url !== undefined)
    problems.push('"jwk_url" is not supported: the functions sign tokens with "key"');
  if (o.issuer !== undefined && typeof o.issuer !== 'string') problems.push('"issuer" must be a string');
  const aud = o.audience;
  if (
    aud !== undefined &&
    typeof aud !== 'string' &&
    !(Array.isArray(aud) && aud.every((a) => typeof a === 'string'))
  )
    problems.push('"audience" must be a string or an array of strings');
  if (o.claims_namespace !== undefined && typeof o.claims_namespace !== 'string')
    problems.push('"claims_namespace" must be a string');
  if (o.claims_namespace_path !== undefined)
    problems.push('"claims_namespace_path" is not supported; use "claims_namespace"');
  if (o.claims_format !== undefined && o.claims_format !== 'json' && o.claims_format !== 'stringified_json')
    problems.push('"claims_format" must be "json" or "stringified_json"');
  return problems;
}

function readCore(r: EnvReader): CoreConfig {
  return {
    hasura: {
      endpoint: r.url('HASURA_GRAPHQL_ENDPOINT'),
      adminSecret: r.secret('HASURA_GRAPHQL_ADMIN_SECRET', 8),
      timeoutMs: r.int('HASURA_TIMEOUT_MS', 5000, 100, 25000),
    },
    logLevel: r.oneOf('LOG_LEVEL', logLevels, 'info'),
    metricsNamespace: r.optional(METRICS_NAMESPACE_VARIABLE),
  };
}

function readActions(r: EnvReader): ActionsConfig {
  return {
    secret: r.secret('ACTIONS_SECRET', 16),
    budgetMs: r.int('ACTION_BUDGET_MS', 25000, 1000, 28000),
  };
}

/** The JWT signing key: only the functions that issue tokens may read it. */
function readJwt(r: EnvReader): JwtSettings {
  return r.jwt('HASURA_GRAPHQL_JWT_SECRET');
}

function readAuth(r: EnvReader): AuthConfig {
  return {
    bcryptCost: r.int('BCRYPT_COST', 10, 10, 15),
    accessTokenTtlSeconds: r.int('ACCESS_TOKEN_TTL_SECONDS', 15 * 60, 60, 24 * 3600),
    refreshTokenTtlSeconds: r.int('REFRESH_TOKEN_TTL_SECONDS', 30 * 24 * 3600, 3600, 365 * 24 * 3600),
    sessionMaxSeconds: r.int('SESSION_MAX_SECONDS', 30 * 24 * 3600, 3600, 365 * 24 * 3600),
    maxSessionsPerUser: r.int('MAX_SESSIONS_PER_USER', 10, 1, 1000),
  };
}

function readLimits(r: EnvReader): LimitsConfig {
  return {
    windowSeconds: r.int('RATE_LIMIT_WINDOW_SECONDS', 60, 1, 24 * 3600),
    perUser: r.int('RATE_LIMIT_PER_USER', 30, 1, 1_000_000),
    perAddress: r.int('RATE_LIMIT_PER_ADDRESS', 30, 1, 1_000_000),
    signupsPerAddressPerHour: r.int('SIGNUPS_PER_ADDRESS_PER_HOUR', 5, 1, 1_000_000),
    signupsPerHour: r.int('SIGNUPS_PER_HOUR', 200, 1, 1_000_000),
    signinMaxFailures: r.int('SIGNIN_MAX_FAILURES', 10, 1, 1000),
    signinMaxFailuresPerEmail: r.int('SIGNIN_MAX_FAILURES_PER_EMAIL', 100, 1, 100000),
    signinWindowSeconds: r.int('SIGNIN_WINDOW_SECONDS', 5 * 60, 10, 24 * 3600),
    clientAddressDepth: r.int('CLIENT_ADDRESS_DEPTH', 2, 1, 10),
    mailsPerEmailPerHour: r.int('MAILS_PER_EMAIL_PER_HOUR', 5, 1, 1000),
  };
}

function readAccounts(r: EnvReader): AccountsConfig {
  return {
    requireEmailVerification: r.bool('REQUIRE_EMAIL_VERIFICATION', true),
    verificationTtlSeconds: r.int('EMAIL_VERIFICATION_TTL_SECONDS', 24 * 3600, 300, 7 * 24 * 3600),
    passwordResetTtlSeconds: r.int('PASSWORD_RESET_TTL_SECONDS', 3600, 300, 24 * 3600),
  };
}

function readMail(r: EnvReader): MailConfig {
  // Every setting is read whatever the transport, so that each is declared to packaging.
  const kind = r.oneOf('MAIL_TRANSPORT', ['ses', 'smtp'] as const, 'ses');
  const from = r.string('MAIL_FROM');
  if (from !== '' && !/^([^<>]*<)?[^\s@<>]+@[^\s@<>]+>?$/.test(from))
    r.problems.push(
      'MAIL_FROM must be an address, or a name and an address: AppWrite Cloud <no-reply@example.com>',
    );
  // SES_REGION only when SES is used in another region than the function's (AWS_REGION, Lambda's own).
  const ses = { region: r.optional('SES_REGION'), configurationSet: r.optional('SES_CONFIGURATION_SET') };
  const smtp = {
    host: r.optional('SMTP_HOST'),
    port: r.int('SMTP_PORT', 587, 1, 65535),
    security: r.oneOf('SMTP_SECURITY', ['tls', 'starttls', 'none'] as const, 'starttls'),
    user: r.optional('SMTP_USER'),
    password: r.optionalSecret('SMTP_PASSWORD'),
  };
  if (kind === 'smtp' && smtp.host === undefined)
    r.problems.push('SMTP_HOST is required when MAIL_TRANSPORT=smtp');
  return {
    productName: r.string('PRODUCT_NAME', 'AppWrite Cloud'),
    appUrl: r.url('APP_URL'),
    from,
    transport: kind === 'ses' ? { kind, ...ses } : { kind, ...smtp, host: smtp.host ?? '' },
    timeoutMs: r.int('MAIL_TIMEOUT_MS', 5000, 500, 20000),
  };
}

function readWebhook(r: EnvReader): WebhookConfig {
  return { secret: r.secret('QOVERY_WEBHOOK_SECRET', 16) };
}

function readReconcile(r: EnvReader): ReconcileConfig {
  return {
    // Longer than any CreateProject (25 s) by far: a create in flight is never taken for an orphan.
    orphanGraceSeconds: r.int('RECONCILE_ORPHAN_GRACE_SECONDS', 15 * 60, 120, 7 * 24 * 3600),
    revokedTokenRetentionSeconds: r.int('REVOKED_TOKEN_RETENTION_SECONDS', 24 * 3600, 0, 365 * 24 * 3600),
  };
}

function readQovery(r: EnvReader): QoveryConfig {
  return {
    apiUrl: r.url('QOVERY_API_URL', 'https://api.qovery.com'),
    token: r.secret('QOVERY_API_TOKEN', 8),
    projectId: r.uuid('QOVERY_PROJECT_ID'),
    environmentPrefix: r.pattern(
      'QOVERY_ENVIRONMENT_PREFIX',
      DEPLOYMENT_PREFIX,
      'lower-case letters, digits and dashes (at most 30), e.g. the stage',
      '',
    ),
    clusterId: r.uuid('QOVERY_CLUSTER_ID', 'optional'),
    registryId: r.uuid('QOVERY_REGISTRY_ID'),
    templateEnvironmentId: r.uuid('QOVERY_TEMPLATE_ENVIRONMENT_ID', 'optional'),
    maxProjectsPerUser: r.int('MAX_PROJECTS_PER_USER', 3, 1, 1000),
  };
}

/**
 * What every AppWrite instance is made of: the operator's settings, in one place (README
 * "Instances"). Every setting is read whatever the others say, so that each is declared to the
 * packaging (settingsOf reads with an empty environment); the ones that depend on another are
 * checked after.
 */
function readInstance(r: EnvReader): InstanceSettings {
  const version = r.oneOf('APPWRITE_VERSION', DEPLOYABLE, DEPLOYABLE[DEPLOYABLE.length - 1] ?? '1.9.6');
  const sizes = r.sizes('APPWRITE_SIZES');
  const smtp = {
    host: r.optional('APPWRITE_SMTP_HOST'),
    port: r.int('APPWRITE_SMTP_PORT', 587, 1, 65535),
    secure: r.oneOf('APPWRITE_SMTP_SECURE', ['', 'tls', 'ssl'] as const, ''),
    username: r.optional('APPWRITE_SMTP_USERNAME'),
    password: r.optionalSecret('APPWRITE_SMTP_PASSWORD'),
  };
  const fromAddress = r.string('APPWRITE_EMAIL_FROM_ADDRESS', 'noreply@appwrite.io');
  const emailFrom = { name: r.string('APPWRITE_EMAIL_FROM_NAME', 'Appwrite'), address: fromAddress };
  const operatorEmail = r.string('APPWRITE_OPERATOR_EMAIL', fromAddress);
  const executorUrl = r.optional('APPWRITE_EXECUTOR_URL');
  const executorSecret = r.optionalSecret('APPWRITE_EXECUTOR_SECRET');
  if (executorUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(executorUrl))
    r.problems.push('APPWRITE_EXECUTOR_URL must be an http(s) URL, e.g. http://executor.internal/v1');
  if (executorUrl !== undefined && !r.skippingSecrets && (executorSecret?.length ?? 0) < 16)
    r.problems.push(
      'APPWRITE_EXECUTOR_SECRET of at least 16 characters is required with APPWRITE_EXECUTOR_URL',
    );
  // The first console account's password derives from it (lib/platform/appwrite/console): keep it secret.
  const consoleClaimKey = r.secret('CONSOLE_CLAIM_KEY', 32);
  return {
    consoleClaimKey,
    version,
    sizes,
    ...(smtp.host ? { smtp: { ...smtp, host: smtp.host } } : {}),
    emailFrom,
    operatorEmail,
    ...(executorUrl ? { executor: { url: executorUrl, secret: executorSecret ?? '' } } : {}),
  };
}

/** The object storage of the instances (one bucket each; lib/platform/storage). */
function readStorage(r: EnvReader): StorageSettings {
  const provider = r.oneOf('STORAGE_PROVIDER', ['aws', 's3-compatible'] as const, 'aws');
  const bucketPrefix = r.string('STORAGE_BUCKET_PREFIX', 'appwrite-cloud');
  if (!BUCKET_PREFIX.test(bucketPrefix))
    r.problems.push('STORAGE_BUCKET_PREFIX must be 3 to 42 lower-case letters, digits and dashes');
  const region = r.string('STORAGE_REGION', 'us-east-1');
  const endpoint = r.optional('STORAGE_ENDPOINT');
  const accessKeyId = r.optional('STORAGE_ACCESS_KEY_ID');
  const secretAccessKey = r.optionalSecret('STORAGE_SECRET_ACCESS_KEY');
  if (provider === 'aws') return { provider, region, bucketPrefix };
  if (endpoint === undefined || !/^https?:\/\/[^\s]+$/.test(endpoint))
    r.problems.push('STORAGE_ENDPOINT (an http(s) URL) is required with STORAGE_PROVIDER=s3-compatible');
  if (accessKeyId === undefined || (!r.skippingSecrets && secretAccessKey === undefined))
    r.problems.push(
      'STORAGE_ACCESS_KEY_ID and STORAGE_SECRET_ACCESS_KEY are required with STORAGE_PROVIDER=s3-compatible',
    );
  return { provider, region, bucketPrefix, endpoint, accessKeyId, secretAccessKey };
}

/**
 * Every section, by name. A function lists the sections it uses (lib/runtime/index.ts); it gets those
 * settings and no other, in its environment, its secrets and its IAM role.
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

function read<S extends Section>(env: Env, wanted: readonly S[], options?: ReaderOptions) {
  const reader = new EnvReader(env, options);
  const config = Object.fromEntries(wanted.map((name) => [name, sections[name](reader)])) as Config<S>;
  return { reader, config };
}

/** Reads the given sections of the configuration; throws one ConfigError listing every problem. */
export function loadConfig<S extends Section>(env: Env, wanted: readonly S[]): Config<S> {
  const { reader, config } = read(env, wanted);
  if (reader.problems.length > 0) throw new ConfigError(reader.problems);
  secretValuesOf.set(config, [...reader.secretValues]);
  return config;
}

/** Every problem of the given sections (all of them when `secrets: 'skip'` is not given). */
export function configProblems(env: Env, wanted: readonly Section[], options?: ReaderOptions): string[] {
  return read(env, wanted, options).reader.problems;
}

/** The settings the given sections read, each once, with their kind (secret or plain). */
export function settingsOf(wanted: readonly Section[]): SettingInfo[] {
  return [...read({}, wanted).reader.read.values()];
}

/** The values that must never be written anywhere: handed to the logger for redaction. */
export function secretsOf(config: object): string[] {
  return [...(secretValuesOf.get(config) ?? [])].filter((v) => v.length > 0);
}
