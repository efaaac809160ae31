/** AppWrite's settings of one instance, as values for Qovery variables. */
import type { StorageGrant } from '../../platform/storage';
import type { InstanceSettings, SmtpSettings } from './blueprint';
import { CONSOLE_GATE } from './proxy';
import type { InstanceSecrets } from './secrets';
import { DB_SCHEMA, DB_USER, MARIADB_PORT, REDIS_PORT, type ServiceSpec } from './services';

/** What one instance's variables are made of, besides the operator's settings. */
export interface InstanceInputs {
  secrets: InstanceSecrets;
  storage: StorageGrant;
  /** The owner's (verified) e-mail: the only one allowed to create the console's first account. */
  ownerEmail: string;
  /**
   * Whether the owner's console account exists. Until it does, every sign-up path that skips the
   * e-mail whitelist stays closed: no SMTP (magic URL, e-mail OTP), no SMS, no console OAuth, and
   * the proxy's console gate is shut to all but `consoleGate`.
   */
  ownerAccountExists: boolean;
  /** The instance's gate token (lib/platform/appwrite/console-api `consoleGateToken`). */
  consoleGate: string;
}

/** A resolved value: literal, secret (stored as a Qovery secret), or `{service}` host text. */
export type Value = { value: string; secret: boolean } | { hosts: string };

const plain = (value: string): Value => ({ value, secret: false });
const secret = (value: string): Value => ({ value, secret: true });
const hosts = (text: string): Value => ({ hosts: text });

/**
 * AppWrite's settings, ENVIRONMENT-scoped (every service reads what it needs, as from the
 * compose's shared `.env`). Values are AppWrite's defaults (1.9.6 `app/config/variables.php` and
 * `.env`) except where a hosted instance needs otherwise, as commented. Variables of the
 * inventory that are deliberately not set are listed, with reasons, in `inventory.json`.
 */
export function environmentVariables(
  settings: InstanceSettings,
  inputs: InstanceInputs,
): Record<string, Value> {
  const { secrets, storage } = inputs;
  const vars: Record<string, Value> = {
    _APP_ENV: plain('production'),
    _APP_EDITION: plain('self-hosted'),
    _APP_LOCALE: plain('en'),
    _APP_WORKER_PER_CORE: plain('6'),
    // swoole_cpu_num() counts the node's CPUs, not the container's limit: size the API's and
    // realtime's worker pools from the container's CPU instead (app/http.php, realtime.php).
    _APP_CPU_NUM: plain('1'),
    _APP_OPENSSL_KEY_V1: secret(secrets.appwriteOpensslKey),
    _APP_COMPRESSION_ENABLED: plain('enabled'),
    _APP_COMPRESSION_MIN_SIZE_BYTES: plain('1024'),

    // One public host: the proxy's (until the owner picks a custom domain). TLS is Qovery's gateway's.
    ...publicNameVariables(null),
    // The gateway redirects http to https and sends X-Forwarded-Proto; AppWrite's own redirect
    // would also catch Qovery's plain-HTTP probes.
    _APP_OPTIONS_FORCE_HTTPS: plain('disabled'),
    _APP_OPTIONS_ROUTER_FORCE_HTTPS: plain('disabled'),
    _APP_OPTIONS_ABUSE: plain('enabled'),
    // Probes send the pod's IP as Host: router protection would refuse them.
    _APP_OPTIONS_ROUTER_PROTECTION: plain('disabled'),
    _APP_TRUSTED_HEADERS: plain('x-forwarded-for'),

    // The console: one seat, and only the owner's e-mail may take it.
    _APP_CONSOLE_WHITELIST_ROOT: plain('enabled'),
    _APP_CONSOLE_WHITELIST_EMAILS: plain(inputs.ownerEmail.trim().toLowerCase()),
    // Until the seat is taken: no session alerts, and the proxy (CADDYFILE) shut to all but the
    // control plane; `openedConsoleVariables` replaces both, and adds the e-mail.
    _APP_CONSOLE_SESSION_ALERTS: plain('disabled'),
    [CONSOLE_GATE.variable]: secret(inputs.consoleGate),

    _APP_SYSTEM_EMAIL_NAME: plain(settings.emailFrom.name),
    _APP_SYSTEM_EMAIL_ADDRESS: plain(settings.emailFrom.address),
    _APP_SYSTEM_TEAM_EMAIL: plain(settings.operatorEmail),
    _APP_EMAIL_SECURITY: plain(settings.operatorEmail),
    _APP_EMAIL_CERTIFICATES: plain(settings.operatorEmail),

    _APP_DB_ADAPTER: plain('mariadb'),
    _APP_DB_HOST: hosts('{mariadb}'),
    _APP_DB_PORT: plain(String(MARIADB_PORT)),
    _APP_DB_SCHEMA: plain(DB_SCHEMA),
    _APP_DB_USER: plain(DB_USER),
    _APP_DB_PASS: secret(secrets.mariadbPassword),
    _APP_REDIS_HOST: hosts('{redis}'),
    _APP_REDIS_PORT: plain(String(REDIS_PORT)),
    _APP_REDIS_PASS: secret(secrets.redisPassword),

    // Files go to the instance's own bucket, shared by every service that needs them.
    _APP_STORAGE_DEVICE: plain('s3'),
    _APP_STORAGE_S3_ACCESS_KEY: secret(storage.accessKeyId),
    _APP_STORAGE_S3_SECRET: secret(storage.secretAccessKey),
    _APP_STORAGE_S3_REGION: plain(storage.region),
    _APP_STORAGE_S3_BUCKET: plain(storage.bucket),
    ...(storage.endpoint ? { _APP_STORAGE_S3_ENDPOINT: plain(storage.endpoint) } : {}),
    _APP_STORAGE_LIMIT: plain('30000000'),
    _APP_STORAGE_PREVIEW_LIMIT: plain('20000000'),
    _APP_STORAGE_ANTIVIRUS: plain('disabled'),

    ...runtimeVariables(settings, secrets),
  };
  if (inputs.ownerAccountExists) Object.assign(vars, openedConsoleVariables(settings));
  return vars;
}

/**
 * The names AppWrite uses for itself: the primary custom domain the owner picked
 * (lib/instances/domains/), or the proxy's generated host when there is none. `_APP_DOMAIN` goes
 * into links, e-mails and function endpoints; `_APP_CONSOLE_DOMAIN` is the console's; the CNAME
 * target is what AppWrite tells its own users to point their project domains at. AppWrite answers
 * on every name the proxy passes on anyway: the console always admits the request's own host as a
 * platform ("Current Host", app/init/resources.php), so no `_APP_CONSOLE_HOSTNAMES` list is kept.
 */
export function publicNameVariables(primary: string | null): Record<string, Value> {
  const name = primary === null ? hosts('{public}') : plain(primary);
  return { _APP_DOMAIN: name, _APP_CONSOLE_DOMAIN: name, _APP_DOMAIN_TARGET_CNAME: name };
}

/**
 * AppWrite's intervals, retentions and limits, and the hosts its services find each other at: the
 * same for every instance, but for the operator's executor.
 */
function runtimeVariables(settings: InstanceSettings, secrets: InstanceSecrets): Record<string, Value> {
  const functions = settings.executor !== undefined;
  return {
    _APP_USAGE_STATS: plain('enabled'),
    _APP_USAGE_AGGREGATION_INTERVAL: plain('30'),
    _APP_STATS_RESOURCES_INTERVAL: plain('30'),
    _APP_WEBHOOK_MAX_FAILED_ATTEMPTS: plain('10'),
    _APP_MAINTENANCE_INTERVAL: plain('86400'),
    _APP_MAINTENANCE_START_TIME: plain('00:00'),
    _APP_MAINTENANCE_RETENTION_EXECUTION: plain('1209600'),
    _APP_MAINTENANCE_RETENTION_CACHE: plain('2592000'),
    _APP_MAINTENANCE_RETENTION_ABUSE: plain('86400'),
    _APP_MAINTENANCE_RETENTION_AUDIT: plain('1209600'),
    _APP_MAINTENANCE_RETENTION_AUDIT_CONSOLE: plain('15778800'),
    _APP_MAINTENANCE_RETENTION_USAGE_HOURLY: plain('8640000'),
    _APP_MAINTENANCE_RETENTION_SCHEDULES: plain('86400'),
    _APP_INTERVAL_DOMAIN_VERIFICATION: plain('120'),
    _APP_INTERVAL_CLEANUP_STALE_EXECUTIONS: plain('300'),
    _APP_GRAPHQL_INTROSPECTION: plain('enabled'),
    _APP_GRAPHQL_MAX_BATCH_SIZE: plain('10'),
    _APP_GRAPHQL_MAX_COMPLEXITY: plain('250'),
    _APP_GRAPHQL_MAX_DEPTH: plain('3'),

    // Internal hosts AppWrite would otherwise hard-code (`appwrite`, `appwrite-browser`).
    _APP_MIGRATION_HOST: hosts('{appwrite}'),
    _APP_BROWSER_HOST: hosts('http://{appwrite-browser}:3000/v1'),
    _APP_WORKER_SCREENSHOTS_ROUTER: hosts('http://{appwrite}'),

    // Functions and Sites limits (read by the API whether or not an executor runs).
    _APP_COMPUTE_SIZE_LIMIT: plain('30000000'),
    _APP_COMPUTE_BUILD_TIMEOUT: plain('2700'),
    _APP_COMPUTE_CPUS: plain('0'),
    _APP_COMPUTE_MEMORY: plain('0'),
    _APP_FUNCTIONS_TIMEOUT: plain('900'),
    _APP_FUNCTIONS_RUNTIMES: plain('node-22'),
    _APP_SITES_TIMEOUT: plain('900'),
    _APP_SITES_RUNTIMES: plain('static-1,node-22'),
    _APP_OPEN_RUNTIMES_NFT: plain('enabled'),
    _APP_EXECUTOR_SECRET: secret(settings.executor?.secret ?? secrets.appwriteExecutorSecret),
    ...(functions && settings.executor ? { _APP_EXECUTOR_HOST: plain(settings.executor.url) } : {}),

    // The proxy's upstreams (read by its Caddyfile).
    APPWRITE_API_HOST: hosts('{appwrite}'),
    APPWRITE_CONSOLE_HOST: hosts('{appwrite-console}'),
    APPWRITE_REALTIME_HOST: hosts('{appwrite-realtime}'),
  };
}

/**
 * What changes once the owner's console account exists (at a later provision, or by
 * Instances.openConsole): the proxy's gate opens, and the operator's SMTP settings, if any, give
 * the instance its e-mail and session alerts.
 */
export function openedConsoleVariables(settings: InstanceSettings): Record<string, Value> {
  return {
    [CONSOLE_GATE.variable]: secret(CONSOLE_GATE.open),
    _APP_CONSOLE_SESSION_ALERTS: plain(settings.smtp ? 'enabled' : 'disabled'),
    ...(settings.smtp ? smtpVariables(settings.smtp) : {}),
  };
}

/** AppWrite's SMTP settings: only once the owner's console account exists. */
function smtpVariables(smtp: SmtpSettings): Record<string, Value> {
  return {
    _APP_SMTP_HOST: plain(smtp.host),
    _APP_SMTP_PORT: plain(String(smtp.port)),
    ...(smtp.secure ? { _APP_SMTP_SECURE: plain(smtp.secure) } : {}),
    ...(smtp.username ? { _APP_SMTP_USERNAME: plain(smtp.username) } : {}),
    ...(smtp.password ? { _APP_SMTP_PASSWORD: secret(smtp.password) } : {}),
  };
}

/** A service's CONTAINER-scoped variables, resolved. */
export function containerVariables(spec: ServiceSpec, secrets: InstanceSecrets): Record<string, Value> {
  return Object.fromEntries(
    Object.entries(spec.variables ?? {}).map(([name, value]): [string, Value] => [
      name,
      typeof value === 'string'
        ? plain(value)
        : 'secret' in value
          ? secret(secrets[value.secret])
          : hosts(value.hosts),
    ]),
  );
}
