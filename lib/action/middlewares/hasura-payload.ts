import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import * as v from 'valibot';
import { AppError } from '../../basics/errors';
import type { Access, RuntimeLimits } from '../contract';
import { clientAddress } from '../rate-limit';
import { type ActionMiddleware, header } from './request';

/** Hasura's payloads are small; anything bigger is refused before it is parsed. */
export const MAX_BODY_BYTES = 64 * 1024;

export interface HasuraPayloadOptions {
  /** The action Hasura must be calling, who may call it and the schema of its input. */
  action: { name: string; access: Access; input: v.GenericSchema };
  /** Time budget of one invocation in ms. */
  budgetMs: number;
  /** Rate limits; without them the client's address is not read (see `clientAddress`). */
  limits?: Pick<RuntimeLimits, 'settings'>;
}

const HasuraPayload = v.object({
  action: v.object({ name: v.string() }),
  input: v.object({ input: v.unknown() }),
  session_variables: v.record(v.string(), v.string()),
  request_query: v.optional(v.string()),
});

const UserId = v.pipe(v.string(), v.regex(/^[1-9]\d{0,9}$/), v.transform(Number), v.maxValue(2147483647));

/**
 * Parses Hasura's payload (`invalid-payload`), checks that it calls this action (`unknown-action`)
 * with a role allowed to (`role-not-allowed`), validates the input with the action's schema
 * (`invalid-input`), and attaches the call the action runs with to `request.event.call`.
 */
export const hasuraPayload = ({ action, budgetMs, limits }: HasuraPayloadOptions): ActionMiddleware => ({
  before: (request) => {
    const payload = v.safeParse(HasuraPayload, parseJson(request.event));
    if (!payload.success) throw new AppError('invalid-payload');
    const { action: called, input, session_variables: session } = payload.output;
    if (called.name !== action.name) throw new AppError('unknown-action');

    // Kept for the invocation's log line, even when the call is refused.
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
});

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
