// Subscriptions over WebSocket at /v1/graphql, as Hasura serves them (docs: "Subscriptions",
// "Live queries"; engine: Hasura.GraphQL.Transport.WebSocket):
// - both subprotocols, chosen by Sec-WebSocket-Protocol: `graphql-transport-ws` (the graphql-ws
//   library's protocol) and the older `graphql-ws` (apollographql/subscriptions-transport-ws);
// - authentication from the `connection_init` payload's `headers` (over the upgrade request's own
//   headers), resolved like an HTTP request's: admin secret, JWT, unauthorized role;
// - a subscription is a live query: the query runs at once with the role's permissions (the same
//   filter as a query), then again every refetch interval (1 s by default, Hasura's
//   HASURA_GRAPHQL_LIVE_QUERIES_MULTIPLEXED_REFETCH_INTERVAL), and a result is sent only when it
//   differs from the last one sent.

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { GraphQLRequest, HasuraEngine } from './engine';
import type { JsonObject } from './errors';

export const TRANSPORT_WS = 'graphql-transport-ws';
export const LEGACY_WS = 'graphql-ws';

export interface SubscriptionOptions {
  /** Re-run period of live queries in ms (default 1000, like Hasura). */
  refetchMs?: number;
  /** Keep-alive period of the legacy protocol in ms (default 5000). */
  keepAliveMs?: number;
}

interface Payload {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
}

export interface SubscriptionServer {
  /** Hands an HTTP upgrade of /v1/graphql to the WebSocket server. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): void;
}

/** One WebSocket connection: its protocol, its authentication and its live queries. */
interface Session {
  engine: HasuraEngine;
  socket: WebSocket;
  /** The older `graphql-ws` protocol (subscriptions-transport-ws). */
  legacy: boolean;
  refetchMs: number;
  keepAliveMs: number;
  /** The upgrade request's own headers, which `connection_init`'s payload overrides. */
  upgradeHeaders: Record<string, string>;
  /** The headers the session authenticated with; unset until `connection_init` succeeded. */
  headers?: Record<string, string>;
  /** How to stop each running subscription, by id. */
  running: Map<string, () => void>;
  /** Keep-alive timers. */
  timers: Set<NodeJS.Timeout>;
}

export function createSubscriptionServer(
  engine: HasuraEngine,
  options: SubscriptionOptions = {},
): SubscriptionServer {
  const timing = { refetchMs: options.refetchMs ?? 1000, keepAliveMs: options.keepAliveMs ?? 5000 };
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) =>
      protocols.has(TRANSPORT_WS) ? TRANSPORT_WS : protocols.has(LEGACY_WS) ? LEGACY_WS : false,
  });
  wss.on('connection', (socket: WebSocket, req: IncomingMessage) => openSession(engine, timing, socket, req));
  return {
    upgrade(req, socket, head) {
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    },
    close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
    },
  };
}

function openSession(
  engine: HasuraEngine,
  timing: { refetchMs: number; keepAliveMs: number },
  socket: WebSocket,
  req: IncomingMessage,
): void {
  const upgradeHeaders: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers))
    if (typeof value === 'string') upgradeHeaders[name] = value;
  const session: Session = {
    engine,
    socket,
    legacy: socket.protocol === LEGACY_WS,
    ...timing,
    upgradeHeaders,
    running: new Map(),
    timers: new Set(),
  };
  socket.on('close', () => stopAll(session));
  // One message at a time, in order: a client may send its first subscription right behind
  // connection_init (subscriptions-transport-ws does), before authentication has finished.
  let queue: Promise<void> = Promise.resolve();
  socket.on('message', (raw) => {
    queue = queue.then(() => handleMessage(session, raw)).catch(() => undefined);
  });
}

function send({ socket }: Session, message: JsonObject): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
}

function stopAll(session: Session): void {
  for (const stop of session.running.values()) stop();
  session.running.clear();
  for (const timer of session.timers) clearInterval(timer);
}

async function handleMessage(session: Session, raw: unknown): Promise<void> {
  const { socket, legacy } = session;
  let message: { type?: unknown; id?: unknown; payload?: unknown };
  try {
    message = JSON.parse(String(raw)) as typeof message;
  } catch {
    if (legacy) send(session, { type: 'connection_error', payload: 'parsing ClientMessage failed' });
    else socket.close(4400, 'Invalid message received');
    return;
  }
  const id = typeof message.id === 'string' ? message.id : undefined;
  switch (message.type) {
    case 'connection_init':
      return init(session, message.payload);
    case 'ping':
      return send(session, { type: 'pong' });
    case 'subscribe':
    case 'start':
      return subscribe(session, id, (message.payload ?? {}) as Payload);
    case 'complete':
    case 'stop':
      if (id !== undefined) {
        session.running.get(id)?.();
        session.running.delete(id);
      }
      return;
    case 'connection_terminate':
      return socket.close(1000);
    default:
      return;
  }
}

function subscribe(session: Session, id: string | undefined, payload: Payload): void {
  const { socket, legacy, headers } = session;
  if (!headers) {
    if (legacy) send(session, { type: 'connection_error', payload: 'connection not initialised' });
    else socket.close(4401, 'Unauthorized');
    return;
  }
  if (id === undefined) return;
  if (session.running.has(id)) {
    if (!legacy) socket.close(4409, `Subscriber for ${id} already exists`);
    return;
  }
  // Started, not awaited: the live query goes on while the next messages are handled.
  void startLiveQuery(session, id, payload, headers);
}

async function init(session: Session, payload: unknown): Promise<void> {
  const { socket, legacy } = session;
  if (session.headers) {
    if (!legacy) socket.close(4429, 'Too many initialisation requests');
    return;
  }
  const given =
    payload && typeof payload === 'object' && 'headers' in payload
      ? (payload as { headers?: unknown }).headers
      : payload;
  const candidate: Record<string, string> = { ...session.upgradeHeaders };
  if (given && typeof given === 'object')
    for (const [name, value] of Object.entries(given as Record<string, unknown>))
      if (typeof value === 'string') candidate[name.toLowerCase()] = value;
  // Authenticate now, as Hasura does: a bad token refuses the connection.
  const probe = await session.engine.execute({ query: '{ __typename }', headers: candidate });
  const error = (probe.body.errors as { message?: string }[] | undefined)?.[0];
  if (error) {
    if (legacy) send(session, { type: 'connection_error', payload: error.message ?? 'unauthorized' });
    socket.close(4400, error.message ?? 'Unauthorized');
    return;
  }
  session.headers = candidate;
  send(session, { type: 'connection_ack' });
  if (legacy) {
    send(session, { type: 'ka' });
    const timer = setInterval(() => send(session, { type: 'ka' }), session.keepAliveMs);
    session.timers.add(timer);
  }
}

/** Runs the query now and every refetch interval; sends a result only when it changed. */
async function startLiveQuery(
  session: Session,
  id: string,
  payload: Payload,
  sessionHeaders: Record<string, string>,
): Promise<void> {
  const { legacy, running } = session;
  const request: GraphQLRequest = {
    query: payload.query as string,
    variables: (payload.variables ?? null) as Record<string, unknown> | null,
    operationName: (payload.operationName ?? null) as string | null,
    headers: sessionHeaders,
    transport: 'websocket',
  };
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  running.set(id, () => {
    stopped = true;
    clearTimeout(timer);
  });
  let last: string | undefined;
  const run = async () => {
    if (stopped) return;
    const { body } = await session.engine.execute(request);
    if (stopped) return;
    if (body.errors) {
      // Validation, permission and execution errors end the subscription.
      running.delete(id);
      stopped = true;
      if (legacy) send(session, { type: 'error', id, payload: { errors: body.errors } });
      else send(session, { type: 'error', id, payload: body.errors });
      return;
    }
    const text = JSON.stringify(body);
    if (text !== last) {
      last = text;
      send(session, { type: legacy ? 'data' : 'next', id, payload: body });
    }
    timer = setTimeout(() => void run(), session.refetchMs);
  };
  await run();
}
