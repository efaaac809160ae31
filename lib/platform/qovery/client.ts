/**
 * A thin, typed client for the part of Qovery's REST API we use, on the global `fetch`.
 *
 * Types come from `qovery-typescript-axios` with `import type` only: nothing of axios reaches the
 * bundle. Each method is named after its Qovery `operationId`, and its body and response types are
 * checked at compile time against the generated operation of that name (see `Conformance` below):
 * if Qovery renames an operation or changes a request or response schema, this file stops
 * type-checking. Paths and methods are checked against the generated package by a unit test
 * (tests/unit/platform/qovery/client.test.ts), because the generated `.d.ts` does not carry them.
 *
 * Every call takes an optional `deadline` (epoch ms): one attempt lasts at most
 * min(timeoutMs, deadline - now), and no retry starts unless it can still get a fair attempt in
 * before the deadline. Only calls that are safe to repeat are retried (reads, delete, deploy,
 * stop, and the variable import, which overwrites), on 429 / 502 / 503 / 504, timeouts and
 * connection errors, with exponential backoff and full jitter (or a small Retry-After).
 *
 * With a `budget` (./budget.ts), every request (each retry too) is first drawn from it, and every
 * response's status and rate-limit headers are told to it: the budget, not Qovery's 429, says when
 * to stop.
 */
import type {
  CancelEnvironmentDeploymentRequest,
  CheckedCustomDomainsResponse,
  CloneEnvironmentRequest,
  ContainerCustomDomainApi,
  ContainerEnvironmentVariableApi,
  ContainerMainCallsApi,
  ContainerRequest,
  ContainerResponse,
  ContainerResponseList,
  ContainersApi,
  CreateEnvironmentRequest,
  CustomDomain,
  CustomDomainRequest,
  CustomDomainResponseList,
  Database,
  DatabaseRequest,
  DatabaseResponseList,
  DatabasesApi,
  DeployAllRequest,
  DeploymentStageMainCallsApi,
  DeploymentStageRequest,
  DeploymentStageResponse,
  DeploymentStageResponseList,
  Environment,
  EnvironmentActionsApi,
  EnvironmentMainCallsApi,
  EnvironmentResponseList,
  EnvironmentStatus,
  EnvironmentStatusList,
  EnvironmentsApi,
  JobRequest,
  JobResponse,
  JobResponseList,
  JobsApi,
  LinkResponseList,
  ReferenceObjectStatusResponseList,
  Status,
  VariableImport,
  VariableImportRequest,
  VariableMainCallsApi,
  VariableRequest,
  VariableResponse,
} from 'qovery-typescript-axios';
import { AppError } from '../../basics/errors';
import type { HttpFetch } from '../http/fetch';

/**
 * The port through which the Qovery client spends a request budget (QoveryClientOptions.budget):
 * every tenant shares one Qovery API token, and Qovery answers 429 past 1000 requests an hour per
 * token (https://www.qovery.com/docs/api-reference/introduction). lib/instances/budget.ts
 * implements it on the deployment's budget in the database.
 */
export interface QoveryBudgetPort {
  /**
   * Called before every request the client sends (each retry is one): resolves once it may be
   * sent. When it may not before `deadline`, throws QoveryBudgetExhausted (lib/platform/qovery/client),
   * a QoveryError of kind `unavailable` that nothing was sent for.
   */
  take(request: QoveryRequest): Promise<void>;
  /** Told every response, whatever its status, before the client reads it. Never throws. */
  observe(response: QoveryResponse): void | Promise<void>;
}

/** The request about to be sent: its operation, and the caller's deadline (epoch ms), if any. */
export interface QoveryRequest {
  operation: OperationId;
  deadline?: number;
}

export interface QoveryResponse {
  status: number;
  headers: { get(name: string): string | null };
}

/** Per-call options. `deadline` is an absolute time in epoch milliseconds. */
export interface CallOptions {
  deadline?: number;
}

export interface QoveryClient {
  /** POST /project/{projectId}/environment (201). Not retried. */
  createEnvironment(
    projectId: string,
    body: CreateEnvironmentRequest,
    options?: CallOptions,
  ): Promise<Environment>;
  /** GET /project/{projectId}/environment. */
  listEnvironment(projectId: string, options?: CallOptions): Promise<EnvironmentResponseList>;
  /** GET /project/{projectId}/environment/status: every environment's id and state, in one call. */
  getProjectEnvironmentsStatus(projectId: string, options?: CallOptions): Promise<EnvironmentStatusList>;
  /** POST /environment/{environmentId}/clone (202). Not retried. */
  cloneEnvironment(
    environmentId: string,
    body: CloneEnvironmentRequest,
    options?: CallOptions,
  ): Promise<Environment>;
  /** POST /environment/{environmentId}/deploy (202). Retried: deploying twice is deploying once. */
  deployEnvironment(environmentId: string, options?: CallOptions): Promise<Status>;
  /** POST /environment/{environmentId}/stop (202). Retried. */
  stopEnvironment(environmentId: string, options?: CallOptions): Promise<EnvironmentStatus>;
  /**
   * POST /environment/{environmentId}/cancelDeployment (202; 409 when there is nothing to cancel).
   * Retried: cancelling twice is cancelling once.
   */
  cancelEnvironmentDeployment(
    environmentId: string,
    body: CancelEnvironmentDeploymentRequest,
    options?: CallOptions,
  ): Promise<EnvironmentStatus>;
  /** DELETE /environment/{environmentId} (204). Retried. */
  deleteEnvironment(environmentId: string, options?: CallOptions): Promise<void>;
  /** GET /environment/{environmentId}/status. */
  getEnvironmentStatus(environmentId: string, options?: CallOptions): Promise<EnvironmentStatus>;
  /** POST /environment/{environmentId}/container (201). Not retried. */
  createContainer(
    environmentId: string,
    body: ContainerRequest,
    options?: CallOptions,
  ): Promise<ContainerResponse>;
  /** GET /environment/{environmentId}/container. */
  listContainer(environmentId: string, options?: CallOptions): Promise<ContainerResponseList>;
  /** POST /environment/{environmentId}/database (201). Not retried. */
  createDatabase(environmentId: string, body: DatabaseRequest, options?: CallOptions): Promise<Database>;
  /** GET /environment/{environmentId}/database. */
  listDatabase(environmentId: string, options?: CallOptions): Promise<DatabaseResponseList>;
  /**
   * POST /container/{containerId}/environmentVariable/import (201): variables and secrets of one
   * container in one call. Retried only when `overwrite` is true (then it behaves like a PUT).
   */
  importContainerEnvironmentVariable(
    containerId: string,
    body: VariableImportRequest,
    options?: CallOptions,
  ): Promise<VariableImport>;
  /** GET /container/{containerId}/link. */
  listContainerLinks(containerId: string, options?: CallOptions): Promise<LinkResponseList>;
  /**
   * POST /variable (201): one variable in the scope the body names; with `mount_path`, a file
   * variable mounted in the service. Not retried.
   */
  createVariable(body: VariableRequest, options?: CallOptions): Promise<VariableResponse>;
  /**
   * POST /environment/{environmentId}/service/deploy (202): changes the image tags of the listed
   * containers and jobs and deploys them, in one deployment request. Not retried: a repeat while
   * the first runs answers 409.
   */
  deployAllServices(
    environmentId: string,
    body: DeployAllRequest,
    options?: CallOptions,
  ): Promise<EnvironmentStatus>;
  /** POST /environment/{environmentId}/job (201). Not retried. */
  createJob(environmentId: string, body: JobRequest, options?: CallOptions): Promise<JobResponse>;
  /** GET /environment/{environmentId}/job. */
  listJobs(environmentId: string, options?: CallOptions): Promise<JobResponseList>;
  /** GET /environment/{environmentId}/job/status: each job's state in its last deployment. */
  getEnvironmentJobStatus(
    environmentId: string,
    options?: CallOptions,
  ): Promise<ReferenceObjectStatusResponseList>;
  /** POST /environment/{environmentId}/deploymentStage (200): a stage, ordered after the others. Not retried. */
  createEnvironmentDeploymentStage(
    environmentId: string,
    body: DeploymentStageRequest,
    options?: CallOptions,
  ): Promise<DeploymentStageResponse>;
  /** GET /environment/{environmentId}/deploymentStage. */
  listEnvironmentDeploymentStage(
    environmentId: string,
    options?: CallOptions,
  ): Promise<DeploymentStageResponseList>;
  /** PUT /deploymentStage/{deploymentStageId}/service/{serviceId}: moves a service to a stage. Retried. */
  attachServiceToDeploymentStage(
    deploymentStageId: string,
    serviceId: string,
    options?: CallOptions,
  ): Promise<DeploymentStageResponseList>;
  /**
   * POST /container/{containerId}/customDomain (201): a name the container answers on, with the
   * `validation_domain` its owner's CNAME must point to. Not retried (a second one is refused).
   */
  createContainerCustomDomain(
    containerId: string,
    body: CustomDomainRequest,
    options?: CallOptions,
  ): Promise<CustomDomain>;
  /** GET /container/{containerId}/customDomain. */
  listContainerCustomDomain(containerId: string, options?: CallOptions): Promise<CustomDomainResponseList>;
  /** DELETE /container/{containerId}/customDomain/{customDomainId} (204). Retried. */
  deleteContainerCustomDomain(
    containerId: string,
    customDomainId: string,
    options?: CallOptions,
  ): Promise<void>;
  /**
   * GET /container/{containerId}/checkCustomDomain: what DNS says of each of the container's
   * custom domains, in one call (the custom domain's own `status` only ever says VALIDATION_PENDING).
   */
  checkContainerCustomDomain(
    containerId: string,
    options?: CallOptions,
  ): Promise<CheckedCustomDomainsResponse>;
}

// ---------------------------------------------------------------------------------------------
// Compile-time conformance with the generated operations.

type Operations = Pick<
  EnvironmentsApi,
  'createEnvironment' | 'listEnvironment' | 'getProjectEnvironmentsStatus'
> &
  Pick<
    EnvironmentActionsApi,
    | 'cloneEnvironment'
    | 'deployEnvironment'
    | 'stopEnvironment'
    | 'cancelEnvironmentDeployment'
    | 'deployAllServices'
  > &
  Pick<EnvironmentMainCallsApi, 'deleteEnvironment' | 'getEnvironmentStatus'> &
  Pick<ContainersApi, 'createContainer' | 'listContainer'> &
  Pick<DatabasesApi, 'createDatabase' | 'listDatabase'> &
  Pick<ContainerEnvironmentVariableApi, 'importContainerEnvironmentVariable'> &
  Pick<ContainerMainCallsApi, 'listContainerLinks'> &
  Pick<VariableMainCallsApi, 'createVariable'> &
  Pick<JobsApi, 'createJob' | 'listJobs' | 'getEnvironmentJobStatus'> &
  Pick<
    DeploymentStageMainCallsApi,
    'createEnvironmentDeploymentStage' | 'listEnvironmentDeploymentStage' | 'attachServiceToDeploymentStage'
  > &
  Pick<
    ContainerCustomDomainApi,
    | 'createContainerCustomDomain'
    | 'listContainerCustomDomain'
    | 'deleteContainerCustomDomain'
    | 'checkContainerCustomDomain'
  >;

/** The Qovery operations this client implements (their `operationId`s). */
export type OperationId = keyof QoveryClient;

type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type OperationData<K extends keyof Operations> = Awaited<ReturnType<Operations[K]>>['data'];
type ClientData<K extends OperationId> = Awaited<ReturnType<QoveryClient[K]>>;
/** Methods that send a body: (pathParameter, body, options?). */
type WithBody = {
  [K in OperationId]: 3 extends Parameters<QoveryClient[K]>['length'] ? K : never;
}[OperationId];
type OperationBody<K extends WithBody> = NonNullable<Parameters<Operations[K]>[1]>;
type ClientBody<K extends WithBody> = Parameters<QoveryClient[K]>[1];
type AllTrue<T extends Record<string, true>> = T;

/**
 * Fails to compile when a method of QoveryClient is not an operation of the generated package,
 * or when its response or request body type differs from that operation's.
 */
export type Conformance = [
  AllTrue<{ [K in OperationId]: K extends keyof Operations ? Same<ClientData<K>, OperationData<K>> : false }>,
  AllTrue<{ [K in WithBody]: Same<ClientBody<K>, OperationBody<K>> }>,
  // Operations whose body is their only parameter.
  AllTrue<{
    createVariable: Same<
      Parameters<QoveryClient['createVariable']>[0],
      NonNullable<Parameters<Operations['createVariable']>[0]>
    >;
  }>,
];

// ---------------------------------------------------------------------------------------------
// Routes: method, path template (parameter names as in the spec) and whether a retry is safe.

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
interface Route {
  method: Method;
  path: string;
  /** Safe to send twice (idempotent)? A function decides from the body. */
  safe: boolean | ((body: unknown) => boolean);
}

export const routes = {
  createEnvironment: { method: 'POST', path: '/project/{projectId}/environment', safe: false },
  listEnvironment: { method: 'GET', path: '/project/{projectId}/environment', safe: true },
  getProjectEnvironmentsStatus: {
    method: 'GET',
    path: '/project/{projectId}/environment/status',
    safe: true,
  },
  cloneEnvironment: { method: 'POST', path: '/environment/{environmentId}/clone', safe: false },
  deployEnvironment: { method: 'POST', path: '/environment/{environmentId}/deploy', safe: true },
  stopEnvironment: { method: 'POST', path: '/environment/{environmentId}/stop', safe: true },
  cancelEnvironmentDeployment: {
    method: 'POST',
    path: '/environment/{environmentId}/cancelDeployment',
    safe: true,
  },
  deleteEnvironment: { method: 'DELETE', path: '/environment/{environmentId}', safe: true },
  getEnvironmentStatus: { method: 'GET', path: '/environment/{environmentId}/status', safe: true },
  createContainer: { method: 'POST', path: '/environment/{environmentId}/container', safe: false },
  listContainer: { method: 'GET', path: '/environment/{environmentId}/container', safe: true },
  createDatabase: { method: 'POST', path: '/environment/{environmentId}/database', safe: false },
  listDatabase: { method: 'GET', path: '/environment/{environmentId}/database', safe: true },
  importContainerEnvironmentVariable: {
    method: 'POST',
    path: '/container/{containerId}/environmentVariable/import',
    safe: (body) => (body as Partial<VariableImportRequest> | undefined)?.overwrite === true,
  },
  listContainerLinks: { method: 'GET', path: '/container/{containerId}/link', safe: true },
  createVariable: { method: 'POST', path: '/variable', safe: false },
  deployAllServices: { method: 'POST', path: '/environment/{environmentId}/service/deploy', safe: false },
  createJob: { method: 'POST', path: '/environment/{environmentId}/job', safe: false },
  listJobs: { method: 'GET', path: '/environment/{environmentId}/job', safe: true },
  getEnvironmentJobStatus: { method: 'GET', path: '/environment/{environmentId}/job/status', safe: true },
  createEnvironmentDeploymentStage: {
    method: 'POST',
    path: '/environment/{environmentId}/deploymentStage',
    safe: false,
  },
  listEnvironmentDeploymentStage: {
    method: 'GET',
    path: '/environment/{environmentId}/deploymentStage',
    safe: true,
  },
  attachServiceToDeploymentStage: {
    method: 'PUT',
    path: '/deploymentStage/{deploymentStageId}/service/{serviceId}',
    safe: true,
  },
  createContainerCustomDomain: { method: 'POST', path: '/container/{containerId}/customDomain', safe: false },
  listContainerCustomDomain: { method: 'GET', path: '/container/{containerId}/customDomain', safe: true },
  deleteContainerCustomDomain: {
    method: 'DELETE',
    path: '/container/{containerId}/customDomain/{customDomainId}',
    safe: true,
  },
  checkContainerCustomDomain: {
    method: 'GET',
    path: '/container/{containerId}/checkCustomDomain',
    safe: true,
  },
} as const satisfies Record<OperationId, Route>;

// ---------------------------------------------------------------------------------------------
// Errors.

export type QoveryErrorKind =
  | 'not-found'
  | 'conflict'
  | 'unavailable'
  | 'rejected'
  | 'unauthorized'
  | 'timeout';

/**
 * A failed Qovery call. `message` is ours and safe to log; what Qovery said is kept in `upstream`,
 * for logs only (never for users). Neither ever holds the API token.
 */
export class QoveryError extends Error {
  override readonly name = 'QoveryError';

  constructor(
    readonly kind: QoveryErrorKind,
    readonly operation: OperationId,
    /** HTTP status, or undefined when no response came (timeout, connection error). */
    readonly status: number | undefined,
    /** Qovery's own words (`detail`, `error`, `message`), truncated: for logs only. */
    readonly upstream: string | undefined,
    readonly attempts: number,
    options: { cause?: unknown } = {},
  ) {
    super(
      `Qovery ${operation} failed: ${status === undefined ? 'no response' : `HTTP ${status}`} (${kind}) after ${attempts} attempt${attempts === 1 ? '' : 's'}`,
      options,
    );
  }

  /** Fields for a structured log line. */
  toLog(): Record<string, unknown> {
    return {
      operation: this.operation,
      status: this.status,
      kind: this.kind,
      attempts: this.attempts,
      upstream: this.upstream,
    };
  }
}

/**
 * A request the budget (QoveryClientOptions.budget) did not let out before the caller's deadline:
 * nothing was sent. Of kind `unavailable`, as Qovery's own 429, so that whoever handles that
 * handles this alike; `retryAfterSeconds` says when the budget has room again.
 */
export class QoveryBudgetExhausted extends QoveryError {
  constructor(
    operation: OperationId,
    readonly retryAfterSeconds: number,
  ) {
    super('unavailable', operation, undefined, undefined, 0);
    this.message = `Qovery ${operation} not sent: the request budget has no room for ${retryAfterSeconds} s`;
  }

  override toLog(): Record<string, unknown> {
    return { ...super.toLog(), budgetExhausted: true, retryAfterSeconds: this.retryAfterSeconds };
  }
}

export function isQoveryError(error: unknown, kind?: QoveryErrorKind): error is QoveryError {
  return error instanceof QoveryError && (kind === undefined || error.kind === kind);
}

export function kindForStatus(status: number): QoveryErrorKind {
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 404) return 'not-found';
  if (status === 409) return 'conflict';
  if (status === 429 || status >= 500) return 'unavailable';
  return 'rejected';
}

/**
 * Maps any error from this module to the error catalogue. Qovery's text never reaches the user:
 * 409 → infrastructure-conflict; 429, 5xx, timeouts, connection errors → infrastructure-unavailable;
 * 401/403 (our token is bad), 400/422 (our request is bad), 404 (our ids are stale) → internal-error.
 */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof QoveryBudgetExhausted)
    return new AppError('infrastructure-unavailable', {
      details: { retryAfterSeconds: error.retryAfterSeconds },
      cause: error,
    });
  if (error instanceof QoveryError) {
    switch (error.kind) {
      case 'conflict':
        return new AppError('infrastructure-conflict', { cause: error });
      case 'unavailable':
      case 'timeout':
        return new AppError('infrastructure-unavailable', { cause: error });
      default:
        return new AppError('internal-error', { cause: error });
    }
  }
  return new AppError('internal-error', { cause: error });
}

// ---------------------------------------------------------------------------------------------
// The client.

export interface QoveryClientOptions {
  /** e.g. https://api.qovery.com (no trailing slash needed). */
  baseUrl: string;
  /** API token, sent as `Authorization: Token <token>`. */
  token: string;
  /** lib/platform/http's in the functions (no undici at cold start); the global fetch by default. */
  fetch?: HttpFetch;
  /** Longest single attempt, in ms. Default 8000. */
  timeoutMs?: number;
  /** Retries after the first attempt, for calls safe to repeat. Default 2. */
  retries?: number;
  /** Tests: replace waiting, randomness and the clock. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
  /** Drawn from before every request and told every response (./budget.ts). */
  budget?: QoveryBudgetPort;
}

const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
const BACKOFF_BASE_MS = 250;
const BACKOFF_CAP_MS = 4000;
/** A Retry-After longer than this is not waited for: the call fails as unavailable. */
export const MAX_RETRY_AFTER_MS = 5000;
/** No retry starts with less than min(timeoutMs, this) left before the deadline. */
const MIN_ATTEMPT_MS = 1000;
const UPSTREAM_MAX_CHARS = 300;

export function createQoveryClient(options: QoveryClientOptions): QoveryClient {
  const {
    token,
    fetch: fetchImpl = globalThis.fetch,
    timeoutMs = 8000,
    retries = 2,
    sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    random = Math.random,
    now = Date.now,
    budget,
  } = options;
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const minAttemptMs = Math.min(timeoutMs, MIN_ATTEMPT_MS);
  /** Upstream text could echo what we sent: never let the token through. */
  const redact = (text: string | undefined): string | undefined =>
    text === undefined || token === '' ? text : text.replaceAll(token, '[redacted]');

  async function call<K extends OperationId>(
    operation: K,
    params: readonly string[],
    body: unknown,
    callOptions: CallOptions = {},
  ): Promise<ClientData<K>> {
    const route: Route = routes[operation];
    const url = baseUrl + fillPath(route.path, params);
    const safe = typeof route.safe === 'function' ? route.safe(body) : route.safe;
    const deadline = callOptions.deadline ?? Number.POSITIVE_INFINITY;
    const headers: Record<string, string> = { Authorization: `Token ${token}`, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const payload = body === undefined ? undefined : JSON.stringify(body);

    for (let attempt = 1; ; attempt++) {
      if (deadline <= now()) throw new QoveryError('timeout', operation, undefined, undefined, attempt - 1);
      await budget?.take({ operation, deadline: callOptions.deadline });
      // Taking may have waited for room in the budget, never past the deadline.
      const remaining = deadline - now();
      let failure: QoveryError;
      let retryAfterMs: number | undefined;
      try {
        const response = await fetchImpl(url, {
          method: route.method,
          headers,
          body: payload,
          signal: AbortSignal.timeout(Math.max(1, Math.min(timeoutMs, remaining))),
        });
        await budget?.observe({ status: response.status, headers: response.headers });
        const text = await response.text();
        if (response.ok)
          return parseSuccess<ClientData<K>>(text, operation, response.status, attempt, redact);
        failure = new QoveryError(
          kindForStatus(response.status),
          operation,
          response.status,
          redact(upstreamText(text)),
          attempt,
        );
        retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), now());
      } catch (error) {
        if (error instanceof QoveryError) throw error;
        failure = noResponse(error, operation, attempt, redact);
      }

      const retryable =
        safe && (failure.status === undefined || RETRYABLE_STATUS.has(failure.status)) && attempt <= retries;
      if (!retryable) throw failure;
      let delay = random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
      if (retryAfterMs !== undefined) {
        if (retryAfterMs > MAX_RETRY_AFTER_MS) throw failure;
        delay = Math.max(delay, retryAfterMs);
      }
      if (now() + delay + minAttemptMs > deadline) throw failure;
      await sleep(delay);
    }
  }

  return methods(call);
}

/** Sends one operation: its path parameters, its body (or none), the caller's options. */
type Call = <K extends OperationId>(
  operation: K,
  params: readonly string[],
  body: unknown,
  callOptions?: CallOptions,
) => Promise<ClientData<K>>;

/** Each method of the client, as one call of its operation. */
function methods(call: Call): QoveryClient {
  return {
    createEnvironment: (projectId, body, o) => call('createEnvironment', [projectId], body, o),
    listEnvironment: (projectId, o) => call('listEnvironment', [projectId], undefined, o),
    getProjectEnvironmentsStatus: (projectId, o) =>
      call('getProjectEnvironmentsStatus', [projectId], undefined, o),
    cloneEnvironment: (environmentId, body, o) => call('cloneEnvironment', [environmentId], body, o),
    deployEnvironment: (environmentId, o) => call('deployEnvironment', [environmentId], undefined, o),
    stopEnvironment: (environmentId, o) => call('stopEnvironment', [environmentId], undefined, o),
    cancelEnvironmentDeployment: (environmentId, body, o) =>
      call('cancelEnvironmentDeployment', [environmentId], body, o),
    deleteEnvironment: (environmentId, o) => call('deleteEnvironment', [environmentId], undefined, o),
    getEnvironmentStatus: (environmentId, o) => call('getEnvironmentStatus', [environmentId], undefined, o),
    createContainer: (environmentId, body, o) => call('createContainer', [environmentId], body, o),
    listContainer: (environmentId, o) => call('listContainer', [environmentId], undefined, o),
    createDatabase: (environmentId, body, o) => call('createDatabase', [environmentId], body, o),
    listDatabase: (environmentId, o) => call('listDatabase', [environmentId], undefined, o),
    importContainerEnvironmentVariable: (containerId, body, o) =>
      call('importContainerEnvironmentVariable', [containerId], body, o),
    listContainerLinks: (containerId, o) => call('listContainerLinks', [containerId], undefined, o),
    createVariable: (body, o) => call('createVariable', [], body, o),
    deployAllServices: (environmentId, body, o) => call('deployAllServices', [environmentId], body, o),
    createJob: (environmentId, body, o) => call('createJob', [environmentId], body, o),
    listJobs: (environmentId, o) => call('listJobs', [environmentId], undefined, o),
    getEnvironmentJobStatus: (environmentId, o) =>
      call('getEnvironmentJobStatus', [environmentId], undefined, o),
    createEnvironmentDeploymentStage: (environmentId, body, o) =>
      call('createEnvironmentDeploymentStage', [environmentId], body, o),
    listEnvironmentDeploymentStage: (environmentId, o) =>
      call('listEnvironmentDeploymentStage', [environmentId], undefined, o),
    attachServiceToDeploymentStage: (deploymentStageId, serviceId, o) =>
      call('attachServiceToDeploymentStage', [deploymentStageId, serviceId], undefined, o),
    createContainerCustomDomain: (containerId, body, o) =>
      call('createContainerCustomDomain', [containerId], body, o),
    listContainerCustomDomain: (containerId, o) =>
      call('listContainerCustomDomain', [containerId], undefined, o),
    deleteContainerCustomDomain: (containerId, customDomainId, o) =>
      call('deleteContainerCustomDomain', [containerId, customDomainId], undefined, o),
    checkContainerCustomDomain: (containerId, o) =>
      call('checkContainerCustomDomain', [containerId], undefined, o),
  };
}

/** A call that got no response: timed out (ours or the caller's deadline), or a connection error. */
function noResponse(
  error: unknown,
  operation: OperationId,
  attempt: number,
  redact: (text: string) => string | undefined,
): QoveryError {
  // Duck-typed: the DOMException of an aborted fetch may come from another realm.
  const name = (error as { name?: unknown } | null)?.name;
  const timedOut = name === 'TimeoutError' || name === 'AbortError';
  return new QoveryError(timedOut ? 'timeout' : 'unavailable', operation, undefined, undefined, attempt, {
    cause: scrub(error, redact),
  });
}

function fillPath(template: string, params: readonly string[]): string {
  let index = 0;
  return template.replace(/\{[A-Za-z]+\}/g, () => {
    const value = params[index++];
    if (value === undefined || value === '') throw new TypeError(`Missing path parameter in ${template}`);
    return encodeURIComponent(value);
  });
}

function parseSuccess<T>(
  text: string,
  operation: OperationId,
  status: number,
  attempts: number,
  redact: (text: string | undefined) => string | undefined,
): T {
  if (text.trim() === '') return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    // A 2xx that is not JSON is a proxy or an outage page, not Qovery's API.
    throw new QoveryError('unavailable', operation, status, redact(upstreamText(text)), attempts);
  }
}

/** Qovery's error bodies are loosely specified: `{status, detail}` or `{status, error, message}`. */
function upstreamText(text: string): string | undefined {
  if (text.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text.slice(0, UPSTREAM_MAX_CHARS);
  }
  if (parsed !== null && typeof parsed === 'object') {
    const record = parsed as Record<string, unknown>;
    const parts = [record.error, record.message, record.detail].filter(
      (part): part is string => typeof part === 'string' && part !== '',
    );
    if (parts.length > 0) return parts.join(': ').slice(0, UPSTREAM_MAX_CHARS);
  }
  return text.slice(0, UPSTREAM_MAX_CHARS);
}

/** Retry-After as delta-seconds or an HTTP date; undefined when absent or unreadable. */
function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** Keeps the cause's name, message and code, never anything the request carried (headers). */
function scrub(error: unknown, redact: (text: string) => string | undefined): Error {
  if (error === null || typeof error !== 'object') return new Error(redact(String(error)));
  const outer = error as Partial<Error>;
  const copy = new Error(redact(String(outer.message ?? '')));
  copy.name = String(outer.name ?? 'Error');
  const inner = outer.cause as { message?: unknown; name?: unknown; code?: unknown } | null | undefined;
  if (inner !== null && typeof inner === 'object') {
    copy.cause = Object.assign(new Error(redact(String(inner.message ?? ''))), {
      name: String(inner.name ?? 'Error'),
      ...(typeof inner.code === 'string' ? { code: inner.code } : {}),
    });
  }
  return copy;
}
