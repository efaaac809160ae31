import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type * as v from 'valibot';
import { toHasuraError } from '../basics/errors';
import { createMetrics, METRICS_NAMESPACE_VARIABLE } from '../basics/metrics';
import type {
  Access,
  Action,
  ActionCall,
  ActionHandler,
  DeclaredHandler,
  Runtime,
  RuntimeSource,
} from './contract';
import { captchaCheck } from './middlewares/captcha';
import { hasuraErrors } from './middlewares/hasura-errors';
import { hasuraPayload } from './middlewares/hasura-payload';
import { invocationLog } from './middlewares/invocation-log';
import { rateLimits } from './middlewares/rate-limits';
import {
  type ActionEvent,
  type ActionResult,
  type InvocationState,
  json,
  requestIdOf,
} from './middlewares/request';
import { sharedSecret } from './middlewares/shared-secret';

/**
 * The Hasura Actions contract as one middleware stack shared by every handler, one module each
 * in lib/action/middlewares/:
 *   1. invocation-log — one structured line per invocation (action, outcome, duration, request id);
 *   2. hasura-errors  — every failure becomes a 4xx `{message, extensions: {code}}` from the catalogue;
 *   3. shared-secret  — refuses calls without the shared-secret header, before anything else is read;
 *   4. hasura-payload — parses Hasura's payload, checks the role, validates the input with the schema;
 *   5. captcha        — for the actions that opt in (`captcha: true`) when a provider is configured:
 *                       the input's captchaToken must pass the provider's check (before anything is counted);
 *   6. rate-limits    — counts the call against its rate limits (one Hasura round trip, lib/action/rate-limit.ts):
 *                       per user for role `user`, per client address otherwise, plus the action's own.
 * Session variables are trusted only after step 3.
 */

export {
  type Access,
  type Action,
  type ActionCall,
  type ActionHandler,
  type DeclaredHandler,
  defineAction,
  type Runtime,
  type RuntimeSource,
} from './contract';
export { SECRET_HEADER } from './middlewares/shared-secret';

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
  const requestId = requestIdOf(event, context);
  // ConfigError and SecretsError list setting names and rules, never values.
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error';
  process.stderr.write(
    `${JSON.stringify({ level: 'error', time: new Date().toISOString(), message: 'cold start failed', action: actionName, outcome: 'internal-error', requestId, reason })}\n`,
  );
  createMetrics(process.env[METRICS_NAMESPACE_VARIABLE])?.invocation(actionName, 'internal-error', error);
  const { status, body } = toHasuraError(error, requestId);
  return json(status, body);
}

/** The middlewares in the order above, around the action's own work. */
function buildHandler<S extends v.GenericSchema, O, D, A extends Access>(
  action: Action<S, O, D, A>,
  runtime: Runtime<D>,
): ActionHandler {
  // Each middleware takes, of the action and its runtime, the part it needs.
  const options = { action, ...runtime };
  return middy<ActionEvent, ActionResult, Error, Context, InvocationState>()
    .use([
      invocationLog(options),
      hasuraErrors(),
      sharedSecret(options),
      hasuraPayload(options),
      captchaCheck(options),
      rateLimits(options),
    ])
    .handler(async (event) => {
      if (!event.call) throw new Error('the payload middleware did not run');
      const output = await action.run(event.call as ActionCall<v.InferOutput<S>, A>, runtime.deps);
      return json(200, output);
    });
}
