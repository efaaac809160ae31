import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import * as v from 'valibot';
import { AppError, toHasuraError } from '../basics/errors';
import { type Logger, traceId } from '../basics/log';
import { type ActionMetrics, createMetrics, METRICS_NAMESPACE_VARIABLE } from '../basics/metrics';
import type { SectionName as Section } from '../basics/settings';
import { type Counted, clientAddress, type Limit, limitKey, type RateLimiter } from './rate-limit';
import type { LimitsConfig } from './settings';

/**
 * The Hasura Actions contract (DESIGN.md §3) as one middleware stack shared by every handler:
 *   1. log      — one structured line per invocation (action, outcome, duration, request id);
 *   2. errors   — every failure becomes a 4xx `{message, extensions: {code}}` from the catalogue;
 *   3. secret   — refuses calls without the shared-secret header, before anything else is read;
 *   4. payload  — parses Hasura's payload, checks the role, validates the input with the schema;
 *   5. limits   — counts the call against its rate limits (one Hasura round trip, lib/action/handler/rate-limit.ts):
 *                 per user for role `user`, per client address otherwise, plus the action's own.
 * Session variables are trusted only after step 3.
 */

export const SECRET_HEADER = 'x-actions-secret';

/** 'public': any role (anonymous callers included). 'user': role `user` with a numeric user id. */
export type Access = 'public' | 'user';

export interface ActionCall<I, A extends Access = Access> {
  input: I;
  role: string;
  userId: A extends 'user' ? number : number | undefined;
  /**
   * The client's address as our load balancer saw it (never a value the client chose), when
   * Hasura forwards client headers for this action; see `clientAddress`.
   */
  address: string | undefined;
  /** The call as counted against the action's own `limits` (to give the hits back), if counted. */
  counted: Counted | undefined;
  requestId: string;
  log: Logger;
  /** Epoch ms by which the action must have answered (its time budget). */
  deadline: number;
}

export interface Action<S extends v.GenericSchema, O, D, A extends Access = Access> {
  name: string;
  access: A;
  input: S;
  /**
   * Limits of this action beyond the per-caller one, counted in the same round trip, after it
   * and in this order (a call refused by one is not counted by those after it).
   */
  limits?: (call: ActionCall<v.InferOutput<S>, A>, settings: LimitsConfig) => Limit[];
  run(call: ActionCall<v.InferOutput<S>, A>, deps: D): Promise<O>;
}

/** Identity helper that lets TypeScript infer the input type from the schema. */
export function defineAction<S extends v.GenericSchema, O, D, A extends Access>(action: Action<S, O, D, A>) {
  return action;
}

export interface Runtime<D> {
  actionsSecret: string;
  log: Logger;
  /** Metrics per action and outcome (EMF); absent off AWS. */
  metrics?: ActionMetrics;
  /** Time budget of one invocation in ms. */
  budgetMs: number;
  /** Rate limits; without them (tests with fakes) calls are not counted. */
  limits?: { limiter: RateLimiter; settings: LimitsConfig };
  deps: D;
}

export type ActionHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * Builds an action's runtime, once per cold start (sync or async: secrets may come from SSM).
 * `sections`, when given, are the settings the runtime reads (see lib/runtime/index.ts `defineRuntime`).
 */
export type RuntimeSource<D> = (() => Runtime<D> | Promise<Runtime<D>>) & {
  readonly sections?: readonly Section[];
};

/** A Lambda handler that also says which configuration sections it reads (for packaging). */
export type DeclaredHandler = ActionHandler & { readonly sections: readonly Section[] };

type State = {
  started: number;
  requestId: string;
  /** The invocation's logger: every line carries requestId, traceId and coldStart. */
  log: Logger;
  role?: string;
  userId?: number;
};

/** The API Gateway event, plus the validated call the payload middleware attaches to it. */
type ActionEvent<I> = APIGatewayProxyEventV2 & { call?: ActionCall<I> };
type Result = APIGatewayProxyStructuredResultV2;
type Request = middy.Request<ActionEvent<unknown>, Result, Error, Context, State>;
type Middleware = middy.MiddlewareObj<ActionEvent<unknown>, Result, Error, Context, State>;

const HasuraPayload = v.object({
  action: v.object({ name: v.string() }),
  input: v.object({ input: v.unknown() }),
  session_variables: v.record(v.string(), v.string()),
  request_query: v.optional(v.string()),
});

const UserId = v.pipe(v.string(), v.regex(/^[1-9]\d{0,9}$/), v.transform(Number), v.maxValue(2147483647));

/**
 * Builds the Lambda handler of an action. `runtime` is resolved once, on the first invocation of
 * a cold start (so importing a function module has no side effect); when it fails (a missing SSM
 * parameter, an invalid setting) the call gets `internal-error`, the problems are logged, and the
 * next invocation tries again.
 */
export function actionHandler<S extends v.GenericSchema, O, D, A extends Access>(
  action: Action<S, O, D, A>,
  runtime: RuntimeSource<D>,
): DeclaredHandler {
  let ready: ActionHandler | undefined;
  let pending: Promise<ActionHandler> | undefined;
  const init = (): Promise<ActionHandler> => {
    pending ??= Promise.resolve()
      .then(runtime)
      .then((resolved) => {
        ready = buildHandler(action, resolved);
        return ready;
      })
      .catch((error: unknown) => {
        pending = undefined;
        throw error;
      });
    return pending;
  };
  const handler: ActionHandler = (event, context) =>
    ready
      ? ready(event, context)
      : init().then(
          (built) => built(event, context),
          (error: unknown) => coldStartFailure(action.name, error, event, context),
        );
  return Object.assign(handler, { sections: runtime.sections ?? [] });
}

/** The runtime could not be built: operators get the problems, the caller the catalogue's answer. */
function coldStartFailure(
  actionName: string,
  error: unknown,
  event: APIGatewayProxyEventV2,
  context: Context,
): APIGatewayProxyStructuredResultV2 {
  const requestId = context.awsRequestId || event.requestContext?.requestId || randomUUID();
  // ConfigError and SecretsError list setting names and rules, never values.
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error';
  process.stderr.write(
    `${JSON.stringify({ level: 'error', time: new Date().toISOString(), message: 'cold start failed', action: actionName, outcome: 'internal-error', requestId, reason })}\n`,
  );
  createMetrics(process.env[METRICS_NAMESPACE_VARIABLE])?.invocation(actionName, 'internal-error', error);
  const { status, body } = toHasuraError(error, requestId);
  return json(status, body);
}

function buildHandler<S extends v.GenericSchema, O, D, A extends Access>(
  action: Action<S, O, D, A>,
  { actionsSecret, log, metrics, budgetMs, limits, deps }: Runtime<D>,
): ActionHandler {
  const expectedDigest = digest(actionsSecret);
  let coldStart = true;

  const logInvocation: Middleware = {
    before: (request: Request) => {
      const requestId =
        request.context.awsRequestId || request.event.requestContext?.requestId || randomUUID();
      request.internal = {
        started: performance.now(),
        requestId,
        log: log.child({ requestId, traceId: traceId(), coldStart }),
      };
      coldStart = false;
    },
    after: (request: Request) => writeLine(request, 'ok'),
    onError: (request: Request) => writeLine(request, errorCode(request.error)),
  };

  const writeLine = (request: Request, outcome: string) => {
    const { started, log, role, userId } = request.internal;
    const fields = {
      action: action.name,
      outcome,
      status: request.response?.statusCode,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
      role,
      // Only a `user` session's id comes from a verified token: for the unauthorized role Hasura
      // turns the client's own x-hasura-user-id header into a session variable.
      userId: role === 'user' ? userId : undefined,
    };
    const error = request.error;
    metrics?.invocation(action.name, outcome, error);
    if (outcome === 'internal-error') log.error('action failed unexpectedly', { ...fields, error });
    // An expected failure caused by an upstream (Qovery down, say): keep the cause for operators.
    else if (error instanceof AppError && error.cause !== undefined)
      log.warn('action', { ...fields, cause: error.cause });
    else log.info('action', fields);
  };

  const hasuraErrors: Middleware = {
    onError: (request: Request) => {
      const { status, body } = toHasuraError(request.error, request.internal.requestId);
      request.response = json(status, body);
    },
  };

  const sharedSecret: Middleware = {
    before: (request: Request) => {
      const given = header(request.event, SECRET_HEADER);
      if (given === undefined || !timingSafeEqual(digest(given), expectedDigest))
        throw new AppError('unauthorized');
    },
  };

  const hasuraPayload: Middleware = {
    before: (request: Request) => {
      const payload = v.safeParse(HasuraPayload, parseJson(request.event));
      if (!payload.success) throw new AppError('invalid-payload');
      const { action: called, input, session_variables: session } = payload.output;
      if (called.name !== action.name) throw new AppError('unknown-action');

      const role = session['x-hasura-role'] ?? 'anonymous';
      const rawUserId = session['x-hasura-user-id'];
      const userId = rawUserId === undefined ? undefined : v.safeParse(UserId, rawUserId);
      request.internal.role = role;
      request.internal.userId = userId?.success ? userId.output : undefined;
      if (action.access === 'user' && (role !== 'user' || !userId?.success))
        throw new AppError('role-not-allowed');

      const parsed = v.safeParse(action.input, input.input, { abortPipeEarly: true });
      if (!parsed.success) throw invalidInput(parsed.issues);

      request.event.call = {
        input: parsed.output,
        role,
        userId: role === 'user' ? request.internal.userId : undefined,
        address: limits
          ? clientAddress(header(request.event, 'x-forwarded-for'), limits.settings.clientAddressDepth)
          : undefined,
        counted: undefined,
        requestId: request.internal.requestId,
        log: request.internal.log,
        deadline: Date.now() + Math.min(budgetMs, remainingMs(request.context)),
      };
    },
  };

  const rateLimits: Middleware = {
    before: async (request: Request) => {
      const call = request.event.call as ActionCall<v.InferOutput<S>, A> | undefined;
      // Admin calls come from our own back end with the admin secret: not limited.
      if (!limits || !call || call.role === 'admin') return;
      const { limiter, settings } = limits;
      const caller: Limit =
        call.role === 'user' && call.userId !== undefined
          ? {
              key: limitKey('action', action.name, 'user', call.userId),
              max: settings.perUser,
              windowSeconds: settings.windowSeconds,
            }
          : {
              key: limitKey('action', action.name, 'address', call.address ?? 'unknown'),
              max: settings.perAddress,
              windowSeconds: settings.windowSeconds,
            };
      const own = action.limits?.(call, settings) ?? [];
      const counted = await limiter.hit([caller, ...own], { deadline: call.deadline });
      call.counted = { at: counted.at, limits: own };
    },
  };

  return middy<ActionEvent<unknown>, Result, Error, Context, State>()
    .use([logInvocation, hasuraErrors, sharedSecret, hasuraPayload, rateLimits])
    .handler(async (event) => {
      if (!event.call) throw new Error('the payload middleware did not run');
      const output = await action.run(event.call as ActionCall<v.InferOutput<S>, A>, deps);
      return json(200, output);
    });
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const headers = event.headers ?? {};
  for (const key in headers) if (key.toLowerCase() === name) return headers[key];
  return undefined;
}

/** Hasura's payloads are small; anything bigger is refused before it is parsed. */
export const MAX_BODY_BYTES = 64 * 1024;

function parseJson(event: APIGatewayProxyEventV2): unknown {
  if (!event.body || event.body.length > MAX_BODY_BYTES * (event.isBase64Encoded ? 4 / 3 : 1))
    return undefined;
  try {
    const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function remainingMs(context: Context): number {
  // Keep a margin to answer before Lambda kills the invocation.
  const remaining =
    typeof context.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : Number.NaN;
  return Number.isFinite(remaining) && remaining > 0
    ? Math.max(remaining - 500, 0)
    : Number.POSITIVE_INFINITY;
}

function invalidInput(issues: readonly v.BaseIssue<unknown>[]): AppError {
  const problems = issues.map((issue) => {
    const path = issue.path?.map((item) => String(item.key)).join('.');
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  return new AppError('invalid-input', {
    message: `The input is not valid: ${problems.join('; ')}.`,
    details: { problems },
  });
}

function errorCode(error: unknown): string {
  return error instanceof AppError ? error.code : 'internal-error';
}

function json(statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
