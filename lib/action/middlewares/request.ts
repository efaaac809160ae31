import type { MiddlewareObj, Request } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { Logger } from '../../basics/log';
import type { ActionCall } from '../contract';

/**
 * The middy request every action middleware reads and writes: API Gateway's event, the call the
 * payload middleware attaches to it, and what the invocation knows so far (`internal`).
 */

export type InvocationState = {
  started: number;
  requestId: string;
  /** The invocation's logger: every line carries requestId, traceId and coldStart. */
  log: Logger;
  role?: string;
  userId?: number;
};

/** The API Gateway event, plus the validated call the payload middleware attaches to it. */
export type ActionEvent = APIGatewayProxyEventV2 & { call?: ActionCall<unknown> };
export type ActionResult = APIGatewayProxyStructuredResultV2;
export type ActionRequest = Request<ActionEvent, ActionResult, Error, Context, InvocationState>;
export type ActionMiddleware = MiddlewareObj<ActionEvent, ActionResult, Error, Context, InvocationState>;

/** Lambda's request id, else API Gateway's, else a new one: what logs and internal errors cite. */
export function requestIdOf(event: APIGatewayProxyEventV2, context: Context): string {
  // The global Web Crypto: no module of its own to import.
  return context.awsRequestId || event.requestContext?.requestId || crypto.randomUUID();
}

/** A request header, whatever the case of its name. */
export function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const headers = event.headers ?? {};
  for (const key in headers) if (key.toLowerCase() === name) return headers[key];
  return undefined;
}

export function json(statusCode: number, body: unknown): ActionResult {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
