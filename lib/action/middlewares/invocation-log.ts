import { AppError } from '../../basics/errors';
import { type Logger, traceId } from '../../basics/log';
import type { ActionMetrics } from '../../basics/metrics';
import { type ActionMiddleware, type ActionRequest, requestIdOf } from './request';

export interface InvocationLogOptions {
  action: { name: string };
  log: Logger;
  /** Metrics per action and outcome (EMF); absent off AWS. */
  metrics?: ActionMetrics;
}

/**
 * Gives the invocation its request id and logger, then writes one structured line (action,
 * outcome, status, duration, role) and counts one metric per invocation, whatever its outcome.
 * The first invocation of a handler is marked as its cold start.
 */
export const invocationLog = (options: InvocationLogOptions): ActionMiddleware => {
  let coldStart = true;
  return {
    before: (request) => {
      const requestId = requestIdOf(request.event, request.context);
      request.internal = {
        started: performance.now(),
        requestId,
        log: options.log.child({ requestId, traceId: traceId(), coldStart }),
      };
      coldStart = false;
    },
    after: (request) => writeLine(request, 'ok', options),
    onError: (request) => writeLine(request, errorCode(request.error), options),
  };
};

function writeLine(request: ActionRequest, outcome: string, { action, metrics }: InvocationLogOptions) {
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
}

function errorCode(error: unknown): string {
  return error instanceof AppError ? error.code : 'internal-error';
}
