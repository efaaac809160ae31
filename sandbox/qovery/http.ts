/**
 * The stand-in's HTTP side: authentication, the rate limit (rate-limit.ts), the contract checks of
 * both directions (contract.ts), injected faults, the record of calls, and writing the state after
 * every change.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Context, wait } from './context';
import type { Contract, ContractCheck } from './contract';
import type { Fault, TakeFault } from './faults';
import type { RateLimiter } from './rate-limit';
import { HttpProblem, problem, type Reply } from './reply';
import { route } from './routes';
import type { ContractViolation } from './violations';

export interface RecordedCall {
  method: string;
  path: string;
  query: string;
  /** The parsed JSON body. Holds secrets (passwords in imports): keep it in memory only. */
  body: unknown;
  /** The status answered, or 'dropped'; undefined while in flight. */
  status?: number | 'dropped';
  /** Refused by the rate limit (429), as opposed to a 429 a test injected. */
  rateLimited?: true;
}

export interface HttpDeps {
  context: Context;
  /** Absent when the checks are off. */
  contract: Contract | undefined;
  onViolation: (violation: ContractViolation) => void;
  /** The stand-in's URL (known once it listens), naming it in violations. */
  url(): string;
  /** The API tokens accepted: the `Authorization` header each must come in (`Token <token>`). */
  tokens: AcceptedToken[];
  /** Absent when there is no rate limit. */
  rateLimiter: RateLimiter | undefined;
  calls: RecordedCall[];
  takeFault: TakeFault;
}

export interface AcceptedToken {
  token: string;
  authorization: Buffer;
}

export function acceptedToken(token: string): AcceptedToken {
  return { token, authorization: Buffer.from(`Token ${token}`) };
}

interface Incoming {
  req: IncomingMessage;
  method: string;
  url: URL;
  body: unknown;
  badJson: boolean;
  call: RecordedCall;
}

export async function handleRequest(
  deps: HttpDeps,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://stand-in');
  const method = (req.method ?? 'GET').toUpperCase();
  const { body, badJson } = parseJson(await readBody(req));
  const call: RecordedCall = { method, path: url.pathname, query: url.search, body };
  deps.calls.push(call);
  const fault = deps.takeFault(method, url.pathname, body);
  const reply = await replyTo(deps, { req, method, url, body, badJson, call }, fault);
  if (reply === 'drop') {
    call.status = 'dropped';
    req.socket.destroy();
    return;
  }
  call.status = reply.status;
  if (method !== 'GET') deps.context.persist();
  const payload = reply.body === undefined ? '' : JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    ...(payload ? { 'Content-Type': 'application/json' } : {}),
    ...reply.headers,
  });
  res.end(payload);
}

async function replyTo(
  deps: HttpDeps,
  incoming: Incoming,
  fault: Fault | undefined,
): Promise<Reply | 'drop'> {
  if (!fault) return answer(deps, incoming);
  if (fault.after) {
    const normal = answer(deps, incoming);
    if (fault.delayMs) await wait(deps.context, fault.delayMs);
    return faulted(deps, incoming, fault, normal);
  }
  if (fault.delayMs) await wait(deps.context, fault.delayMs);
  return faulted(deps, incoming, fault);
}

/** The fault's answer; a fault of delay only answers normally (`normal` when already processed). */
function faulted(deps: HttpDeps, incoming: Incoming, fault: Fault, normal?: Reply): Reply | 'drop' {
  if (fault.drop) return 'drop';
  if (fault.status !== undefined) {
    return {
      status: fault.status,
      body: fault.body === undefined ? { status: fault.status, detail: 'Injected fault' } : fault.body,
      ...(fault.headers ? { headers: fault.headers } : {}),
    };
  }
  return normal ?? answer(deps, incoming);
}

/** Processes the call and checks the answer against the contract. */
function answer(deps: HttpDeps, incoming: Incoming): Reply {
  const reply = processCall(deps, incoming);
  if (deps.contract) {
    const { method, url } = incoming;
    const check = deps.contract.checkResponse({
      method,
      path: url.pathname,
      status: reply.status,
      body: reply.body,
    });
    if (check.problems.length) reportViolation(deps, incoming, 'response', check, reply.status);
  }
  return reply;
}

/**
 * An authenticated call is counted against its token's budget and its answer carries the budget's
 * headers; past the budget it is refused before anything else is looked at, as a gateway would.
 */
function processCall(deps: HttpDeps, incoming: Incoming): Reply {
  const token = tokenOf(incoming.req, deps.tokens);
  if (token === undefined) return problem(401, 'Access token is missing or invalid');
  const admission = deps.rateLimiter?.admit(token);
  if (!admission) return processAuthenticated(deps, incoming);
  if (admission.refusal) {
    incoming.call.rateLimited = true;
    return admission.refusal;
  }
  const reply = processAuthenticated(deps, incoming);
  return { ...reply, headers: { ...reply.headers, ...admission.headers } };
}

function processAuthenticated(deps: HttpDeps, incoming: Incoming): Reply {
  const { method, url, body } = incoming;
  if (incoming.badJson) return problem(400, 'The body is not valid JSON');
  if (deps.contract) {
    const check = deps.contract.checkRequest({ method, path: url.pathname, query: url.searchParams, body });
    if (check.problems.length) {
      reportViolation(deps, incoming, 'request', check);
      // What Qovery does with a call its API does not have, or a body it does not accept.
      return check.operationId
        ? problem(400, `Invalid request: ${check.problems.join('; ')}`)
        : problem(404, 'Unknown route');
    }
  }
  try {
    return route(deps.context, method, url.pathname, body);
  } catch (error) {
    if (error instanceof HttpProblem) return problem(error.status, error.detail);
    return problem(500, 'Internal error');
  }
}

function reportViolation(
  deps: HttpDeps,
  { method, url }: Incoming,
  direction: ContractViolation['direction'],
  check: ContractCheck,
  status?: number,
): void {
  deps.onViolation({
    standIn: deps.url(),
    direction,
    method,
    path: url.pathname,
    ...(status === undefined ? {} : { status }),
    ...(check.operationId ? { operationId: check.operationId } : {}),
    problems: check.problems,
  });
}

/** The token the call authenticates with, when it is one of those accepted. */
function tokenOf(req: IncomingMessage, tokens: AcceptedToken[]): string | undefined {
  const given = Buffer.from(req.headers.authorization ?? '');
  return tokens.find(
    ({ authorization }) => given.length === authorization.length && timingSafeEqual(given, authorization),
  )?.token;
}

function parseJson(text: string): { body: unknown; badJson: boolean } {
  if (text === '') return { body: undefined, badJson: false };
  try {
    return { body: JSON.parse(text), badJson: false };
  } catch {
    return { body: undefined, badJson: true };
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
