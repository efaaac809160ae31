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
  /**
   * QOVERY_REQUESTS_PER_OWNER_PER_HOUR: the share of that budget one user's queued operations may
   * spend in any hour (lib/instances/queue/: an operation that would pass it waits until enough of
   * the user's spending leaves the hour; one that costs more than the share runs when the user has
   * spent nothing). It bounds what one user can take from everyone else: at the defaults, 60 of
   * 900: four minutes of the hour's budget at most. Default: a fifteenth of QOVERY_REQUESTS_PER_HOUR.
   */
  requestsPerOwnerPerHour: number;
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

/** One user's share of the deployment's Qovery budget by default: a fifteenth (60 of 900). */
export function ownerShareOf(requestsPerHour: number): number {
  return Math.max(1, Math.floor(requestsPerHour / 15));
}

export function readQovery(r: EnvReader): QoveryConfig {
  /**
   * QOVERY_API_URL: Qovery's API. Only a local stand-in (localhost) may do without
   * QOVERY_ENVIRONMENT_PREFIX and QOVERY_DEPLOYMENT_ID.
   */
  const apiUrl = r.url('QOVERY_API_URL', 'https://api.qovery.com');
  // Only the local stand-in (`npm start`, the tests: one deployment each) may go without a prefix
  // and a deployment id; a real Qovery project may be shared by stages, or by other operators'
  // deployments, which must never take each other's environments for their own.
  const local = LOOPBACK_URL.test(apiUrl);
  const requestsPerHour = r.int('QOVERY_REQUESTS_PER_HOUR', 900, 1, 1_000_000);
  return {
    apiUrl,
    /**
     * QOVERY_API_TOKEN: Qovery API token of the organization (Qovery console, API tokens). At least 8
     * characters.
     */
    token: r.secret('QOVERY_API_TOKEN', 8),
    /**
     * QOVERY_PROJECT_ID: The Qovery project that holds every instance's environment (a UUID, as shown in
     * Qovery's console and API).
     */
    projectId: qoveryId(r, 'QOVERY_PROJECT_ID'),
    environmentPrefix: readPrefix(r, local),
    ...readDeploymentId(r, local),
    /**
     * QOVERY_CLUSTER_ID: The cluster instances run on (a UUID); Qovery's default cluster of the
     * organization when absent.
     */
    clusterId: qoveryId(r, 'QOVERY_CLUSTER_ID', 'optional'),
    /**
     * QOVERY_REGISTRY_ID: A container registry linked in the Qovery organization that serves public images
     * (Docker Hub), a UUID: the instances' images come through it.
     */
    registryId: qoveryId(r, 'QOVERY_REGISTRY_ID'),
    /**
     * QOVERY_TEMPLATE_ENVIRONMENT_ID: When set, instances are cloned from this environment (a UUID) instead
     * of the template npm run template keeps or the blueprint; it must hold one container per blueprint
     * service.
     */
    templateEnvironmentId: qoveryId(r, 'QOVERY_TEMPLATE_ENVIRONMENT_ID', 'optional'),
    /** MAX_PROJECTS_PER_USER: AppWrite instances one user may have. */
    maxProjectsPerUser: r.int('MAX_PROJECTS_PER_USER', 3, 1, 1000),
    requestsPerHour,
    requestsPerOwnerPerHour: r.int(
      'QOVERY_REQUESTS_PER_OWNER_PER_HOUR',
      ownerShareOf(requestsPerHour),
      1,
      1_000_000,
    ),
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
 * What every AppWrite instance is made of: the operator's settings, in one place (docs/instances.md). Every setting is read whatever the others say, so that each is declared to the
 * packaging (settingsOf reads with an empty environment); the ones that depend on another are
 * checked after.
 */
export function readInstance(r: EnvReader): InstanceSettings {
  /**
   * APPWRITE_VERSION: The AppWrite release new instances run and npm run upgrade moves instances to (one
   * the code knows how to deploy: lib/instances/blueprint/versions.ts); the latest by default.
   */
  const version = r.oneOf('APPWRITE_VERSION', DEPLOYABLE, DEPLOYABLE[DEPLOYABLE.length - 1] ?? '1.9.6');
  /**
   * APPWRITE_SIZES: Sizes of the instances' services, as JSON merged over the defaults:
   * {"appwrite":{"cpu":1000,"memory":1024},"mariadb":{"storage":50}} (cpu in millicores, memory in MB,
   * storage in GB, at least 4).
   */
  const sizes = readSizes(r, 'APPWRITE_SIZES');
  const smtp = {
    /**
     * APPWRITE_SMTP_HOST: The SMTP server AppWrite's own emails (its users' verification, recovery,
     * invitations) go through; none are sent when absent.
     */
    host: r.optional('APPWRITE_SMTP_HOST'),
    /** APPWRITE_SMTP_PORT: The port of APPWRITE_SMTP_HOST. */
    port: r.int('APPWRITE_SMTP_PORT', 587, 1, 65535),
    /**
     * APPWRITE_SMTP_SECURE: The security of APPWRITE_SMTP_HOST as AppWrite names it: tls, ssl, or empty for
     * none.
     */
    secure: r.oneOf('APPWRITE_SMTP_SECURE', ['', 'tls', 'ssl'] as const, ''),
    /** APPWRITE_SMTP_USERNAME: The user name at APPWRITE_SMTP_HOST, if it asks for one. */
    username: r.optional('APPWRITE_SMTP_USERNAME'),
    /**
     * APPWRITE_SMTP_PASSWORD: The password of APPWRITE_SMTP_USERNAME; a secret, given to each instance as a
     * secret variable.
     */
    password: r.optionalSecret('APPWRITE_SMTP_PASSWORD'),
  };
  /** APPWRITE_EMAIL_FROM_ADDRESS: The sender address of AppWrite's own emails. */
  const fromAddress = r.string('APPWRITE_EMAIL_FROM_ADDRESS', 'noreply@appwrite.io');
  /** APPWRITE_EMAIL_FROM_NAME: The sender name of AppWrite's own emails. */
  const emailFrom = { name: r.string('APPWRITE_EMAIL_FROM_NAME', 'Appwrite'), address: fromAddress };
  /**
   * APPWRITE_OPERATOR_EMAIL: Where the instances send security and certificate notices
   * (_APP_EMAIL_SECURITY, _APP_EMAIL_CERTIFICATES); APPWRITE_EMAIL_FROM_ADDRESS by default.
   */
  const operatorEmail = r.string('APPWRITE_OPERATOR_EMAIL', fromAddress);
  /**
   * APPWRITE_EXECUTOR_URL: An openruntimes executor the operator runs on a Docker host of their own (e.g.
   * http://executor.internal/v1): the Functions and Sites services are deployed only when it is set.
   */
  const executorUrl = r.optional('APPWRITE_EXECUTOR_URL');
  /**
   * APPWRITE_EXECUTOR_SECRET: The secret of APPWRITE_EXECUTOR_URL, at least 16 characters; required with
   * it.
   */
  const executorSecret = r.optionalSecret('APPWRITE_EXECUTOR_SECRET');
  if (executorUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(executorUrl))
    r.problems.push('APPWRITE_EXECUTOR_URL must be an http(s) URL, e.g. http://executor.internal/v1');
  if (executorUrl !== undefined && !r.skippingSecrets && (executorSecret?.length ?? 0) < 16)
    r.problems.push(
      'APPWRITE_EXECUTOR_SECRET of at least 16 characters is required with APPWRITE_EXECUTOR_URL',
    );
  // The first console account's password derives from it (lib/platform/appwrite/console.ts): keep it secret.
  /**
   * CONSOLE_CLAIM_KEY: The operator's key each instance's console gate token and first console password
   * derive from (lib/platform/appwrite/console-api); never sent to an instance as such. At least 32
   * characters (openssl rand -base64 32).
   */
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
    /**
     * RECONCILE_ORPHAN_GRACE_SECONDS: An environment of this deployment with no project row is deleted once
     * this old; far longer than any CreateProject (25 s), so that a create in flight is never taken for an
     * orphan.
     */
    orphanGraceSeconds: r.int('RECONCILE_ORPHAN_GRACE_SECONDS', 15 * 60, 120, 7 * 24 * 3600),
    /**
     * REVOKED_TOKEN_RETENTION_SECONDS: Revoked refresh tokens are kept this long (to catch the reuse of a
     * rotated one), then purged by the reconciler.
     */
    revokedTokenRetentionSeconds: r.int('REVOKED_TOKEN_RETENTION_SECONDS', 24 * 3600, 0, 365 * 24 * 3600),
  };
}

export function readWebhook(r: EnvReader): WebhookConfig {
  /**
   * QOVERY_WEBHOOK_SECRET: The secret given to Qovery when registering the organization webhook: Qovery
   * signs each call with it (Qovery-Signature). At least 16 characters.
   */
  return { secret: r.secret('QOVERY_WEBHOOK_SECRET', 16) };
}
