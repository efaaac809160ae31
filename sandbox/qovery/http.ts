/**
 * The stand-in's HTTP side: authentication, the contract checks of both directions (contract.ts),
 * injected faults, the record of calls, and writing the state after every change.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Context, wait } from './context';
import type { Contract, ContractCheck } from './contract';
import type { Fault, TakeFault } from './faults';
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
}

export interface HttpDeps {
  context: Context;
  /** Absent when the checks are off. */
  contract: Contract | undefined;
  onViolation: (violation: ContractViolation) => void;
  /** The stand-in's URL (known once it listens), naming it in violations. */
  url(): string;
  /** `Token <token>`, as callers must send it. */
  expectedAuth: Buffer;
  calls: RecordedCall[];
  takeFault: TakeFault;
}

interface Incoming {
  req: IncomingMessage;
  method: string;
  url: URL;
  body: unknown;
  badJson: boolean;
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
  const reply = await replyTo(deps, { req, method, url, body, badJson }, fault);
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

function processCall(deps: HttpDeps, incoming: Incoming): Reply {
  const { req, method, url, body } = incoming;
  if (!authorised(req, deps.expectedAuth)) return problem(401, 'Access token is missing or invalid');
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

function authorised(req: IncomingMessage, expectedAuth: Buffer): boolean {
  const given = Buffer.from(req.headers.authorization ?? '');
  return given.length === expectedAuth.length && timingSafeEqual(given, expectedAuth);
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
