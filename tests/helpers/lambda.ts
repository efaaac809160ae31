import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { type ActionHandler, SECRET_HEADER } from '../../lib/action/handler';
import type { ActionMiddleware, ActionRequest, InvocationState } from '../../lib/action/middlewares/request';
import { createLogger, type Logger } from '../../lib/basics/log';

export const TEST_SECRET = 'test-actions-secret-0123456789';

export interface CallOptions {
  session?: Record<string, string>;
  secret?: string | null;
  headers?: Record<string, string>;
  body?: string;
}

/** The API Gateway (HTTP API, payload 2.0) event of a Hasura action call. */
export function actionEvent(
  action: string,
  input: unknown,
  options: CallOptions = {},
): APIGatewayProxyEventV2 {
  const { session = { 'x-hasura-role': 'anonymous' }, secret = TEST_SECRET, headers = {} } = options;
  const body =
    options.body ??
    JSON.stringify({
      action: { name: action },
      input: { input },
      session_variables: session,
      request_query: '',
    });
  return {
    version: '2.0',
    routeKey: 'POST /action',
    rawPath: '/action',
    rawQueryString: '',
    headers: {
      'content-type': 'application/json',
      ...(secret === null ? {} : { [SECRET_HEADER]: secret }),
      ...headers,
    },
    requestContext: {
      requestId: 'req-1',
      http: { method: 'POST', path: '/action' },
    } as APIGatewayProxyEventV2['requestContext'],
    body,
    isBase64Encoded: false,
  };
}

export function lambdaContext(overrides: Partial<Context> = {}): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-3:000000000000:function:test',
    memoryLimitInMB: '512',
    awsRequestId: 'aws-req-1',
    logGroupName: '/aws/lambda/test',
    logStreamName: 'stream',
    getRemainingTimeInMillis: () => 29_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
    ...overrides,
  };
}

export interface Answer {
  status: number;
  body: Record<string, unknown> & {
    message?: string;
    extensions?: Record<string, unknown> & { code?: string };
  };
}

export async function invoke(handler: ActionHandler, event: APIGatewayProxyEventV2): Promise<Answer> {
  const result: APIGatewayProxyStructuredResultV2 = await handler(event, lambdaContext());
  return { status: result.statusCode ?? 0, body: JSON.parse(result.body ?? 'null') };
}

/** A logger that keeps its lines, parsed, for assertions. */
export function memoryLogger(secrets: string[] = []): {
  log: Logger;
  lines: Record<string, unknown>[];
  text: () => string;
} {
  const raw: string[] = [];
  const log = createLogger({ level: 'debug', secrets, write: (line) => raw.push(line) });
  return {
    log,
    get lines() {
      return raw.map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    text: () => raw.join('\n'),
  };
}

/** The middy request one action middleware is given, to test it alone: `internal` as the log middleware leaves it. */
export function actionRequest(
  event: APIGatewayProxyEventV2 = actionEvent('Echo', { name: 'ada' }),
  internal: Partial<InvocationState> = {},
): ActionRequest {
  return {
    event,
    context: lambdaContext(),
    response: undefined,
    error: undefined,
    internal: { started: performance.now(), requestId: 'aws-req-1', log: memoryLogger().log, ...internal },
  };
}

/** One phase of an action middleware, which it must have. */
export function phase(middleware: ActionMiddleware, name: 'before' | 'after' | 'onError') {
  const run = middleware[name];
  if (!run) throw new Error(`the middleware has no ${name}`);
  return run;
}
