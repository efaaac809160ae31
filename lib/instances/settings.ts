import type { EnvReader } from '../basics/settings';
import {
  DEFAULT_SIZES,
  DEPLOYMENT_PREFIX,
  type InstanceSettings,
  type QoverySettings,
  type Size,
} from './blueprint/blueprint';
import { DEPLOYMENT_ID } from './blueprint/environment';
import { DEPLOYABLE } from './blueprint/versions';

export interface QoveryConfig extends Omit<QoverySettings, 'instance'> {
  maxProjectsPerUser: number;
  /**
   * QOVERY_REQUESTS_PER_HOUR: the Qovery requests the whole deployment may send in any hour, every
   * function and the reconciler together (lib/instances/budget.ts). They share one API token, which
   * Qovery allows 1000 requests an hour before answering 429
   * (https://www.qovery.com/docs/api-reference/introduction): the default, 900, keeps a tenth for
   * what this budget does not see (an operator's scripts or CLI on the same token).
   */
  requestsPerHour: number;
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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A Qovery id: a UUID, as every id in Qovery's API. */
function qoveryId(r: EnvReader, name: string): string;
function qoveryId(r: EnvReader, name: string, optional: 'optional'): string | undefined;
function qoveryId(r: EnvReader, name: string, optional?: 'optional'): string | undefined {
  const value = optional ? r.optional(name) : r.string(name);
  if (value !== undefined && value !== '' && !UUID.test(value))
    r.problems.push(`${name} must be a UUID (the id shown in Qovery's console or API)`);
  return value;
}

const LOOPBACK_URL = /^https?:\/\/(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d+)?(\/|$)/i;

export function readQovery(r: EnvReader): QoveryConfig {
  const apiUrl = r.url('QOVERY_API_URL', 'https://api.qovery.com');
  // Only the local stand-in (`npm start`, the tests: one deployment each) may go without a prefix
  // and a deployment id; a real Qovery project may be shared by stages, or by other operators'
  // deployments, which must never take each other's environments for their own.
  const local = LOOPBACK_URL.test(apiUrl);
  return {
    apiUrl,
    token: r.secret('QOVERY_API_TOKEN', 8),
    projectId: qoveryId(r, 'QOVERY_PROJECT_ID'),
    environmentPrefix: readPrefix(r, local),
    ...readDeploymentId(r, local),
    clusterId: qoveryId(r, 'QOVERY_CLUSTER_ID', 'optional'),
    registryId: qoveryId(r, 'QOVERY_REGISTRY_ID'),
    templateEnvironmentId: qoveryId(r, 'QOVERY_TEMPLATE_ENVIRONMENT_ID', 'optional'),
    maxProjectsPerUser: r.int('MAX_PROJECTS_PER_USER', 3, 1, 1000),
    requestsPerHour: r.int('QOVERY_REQUESTS_PER_HOUR', 900, 1, 1_000_000),
  };
}

/**
 * QOVERY_ENVIRONMENT_PREFIX: one per stage (e.g. the stage's name), required but locally. With
 * none, every deployment on a Qovery project named its environments `appwrite-<row id>` alike.
 */
function readPrefix(r: EnvReader, local: boolean): string {
  const prefix = r.pattern(
    'QOVERY_ENVIRONMENT_PREFIX',
    DEPLOYMENT_PREFIX,
    'lower-case letters, digits and dashes (at most 30), e.g. the stage',
    '',
  );
  if (prefix === '' && !local)
    r.problems.push(
      'QOVERY_ENVIRONMENT_PREFIX is required: a name of this stage (e.g. prod), used by no other deployment on the Qovery project',
    );
  return prefix;
}

/**
 * QOVERY_DEPLOYMENT_ID: random, made once per stage, the mark that proves an environment is this
 * deployment's (blueprint/environment.ts). Random rather than chosen, so that two stages whose
 * settings were copied one from the other still differ. Changing it later leaves every
 * environment made before unproven: the reconciler then never removes those as orphans.
 */
function readDeploymentId(r: EnvReader, local: boolean): { deploymentId?: string } {
  const id = r.optional('QOVERY_DEPLOYMENT_ID');
  if (id !== undefined && !DEPLOYMENT_ID.test(id))
    r.problems.push(
      'QOVERY_DEPLOYMENT_ID must be 8 to 16 lower-case letters and digits (`openssl rand -hex 6`)',
    );
  if (id === undefined && !local)
    r.problems.push(
      "QOVERY_DEPLOYMENT_ID is required: a random id of this deployment, 8 to 16 lower-case letters and digits, made once per stage (`openssl rand -hex 6`) and then never changed; it ends the names of this deployment's environments",
    );
  return id === undefined ? {} : { deploymentId: id };
}

/** A JSON object of service sizes, merged over the defaults. */
function readSizes(r: EnvReader, name: string): Record<string, Size> {
  const text = r.optional(name);
  if (text === undefined) return { ...DEFAULT_SIZES };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!isSizes(parsed)) {
    r.problems.push(
      `${name} must be JSON like {"appwrite":{"cpu":1000,"memory":1024},"mariadb":{"storage":50}} (cpu in millicores, memory in MB, storage in GB ≥ 4)`,
    );
    return { ...DEFAULT_SIZES };
  }
  const merged: Record<string, Size> = { ...DEFAULT_SIZES };
  for (const [service, size] of Object.entries(parsed)) {
    const base = DEFAULT_SIZES[service] ?? DEFAULT_SIZES.default ?? { cpu: 100, memory: 256 };
    merged[service] = { ...base, ...size };
  }
  return merged;
}

function isSizes(parsed: unknown): parsed is Record<string, Partial<Size>> {
  const valid = (n: unknown, min: number, max: number) =>
    n === undefined || (Number.isInteger(n) && (n as number) >= min && (n as number) <= max);
  return (
    parsed !== null &&
    typeof parsed === 'object' &&
    !Array.isArray(parsed) &&
    Object.values(parsed).every(
      (size) =>
        size !== null &&
        typeof size === 'object' &&
        valid((size as Size).cpu, 10, 64000) &&
        valid((size as Size).memory, 32, 262144) &&
        valid((size as Size).storage, 4, 16384),
    )
  );
}

/**
 * What every AppWrite instance is made of: the operator's settings, in one place (README
 * "Instances"). Every setting is read whatever the others say, so that each is declared to the
 * packaging (settingsOf reads with an empty environment); the ones that depend on another are
 * checked after.
 */
export function readInstance(r: EnvReader): InstanceSettings {
  const version = r.oneOf('APPWRITE_VERSION', DEPLOYABLE, DEPLOYABLE[DEPLOYABLE.length - 1] ?? '1.9.6');
  const sizes = readSizes(r, 'APPWRITE_SIZES');
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
  // The first console account's password derives from it (lib/platform/appwrite/console.ts): keep it secret.
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

export function readReconcile(r: EnvReader): ReconcileConfig {
  return {
    // Longer than any CreateProject (25 s) by far: a create in flight is never taken for an orphan.
    orphanGraceSeconds: r.int('RECONCILE_ORPHAN_GRACE_SECONDS', 15 * 60, 120, 7 * 24 * 3600),
    revokedTokenRetentionSeconds: r.int('REVOKED_TOKEN_RETENTION_SECONDS', 24 * 3600, 0, 365 * 24 * 3600),
  };
}

export function readWebhook(r: EnvReader): WebhookConfig {
  return { secret: r.secret('QOVERY_WEBHOOK_SECRET', 16) };
}
