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

export function createSubscriptionServer(
  engine: HasuraEngine,
  options: SubscriptionOptions = {},
): SubscriptionServer {
  const refetchMs = options.refetchMs ?? 1000;
  const keepAliveMs = options.keepAliveMs ?? 5000;
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) =>
      protocols.has(TRANSPORT_WS) ? TRANSPORT_WS : protocols.has(LEGACY_WS) ? LEGACY_WS : false,
  });

  wss.on('connection', (socket: WebSocket, req: IncomingMessage) => {
    const legacy = socket.protocol === LEGACY_WS;
    const upgradeHeaders: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers))
      if (typeof value === 'string') upgradeHeaders[name] = value;
    let headers: Record<string, string> | undefined;
    const running = new Map<string, () => void>();
    const timers = new Set<NodeJS.Timeout>();
    const send = (message: JsonObject) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
    };
    const stopAll = () => {
      for (const stop of running.values()) stop();
      running.clear();
      for (const timer of timers) clearInterval(timer);
    };
    socket.on('close', stopAll);

    // One message at a time, in order: a client may send its first subscription right behind
    // connection_init (subscriptions-transport-ws does), before authentication has finished.
    let queue: Promise<void> = Promise.resolve();
    socket.on('message', (raw) => {
      queue = queue.then(() => handle(raw)).catch(() => undefined);
    });

    async function handle(raw: unknown): Promise<void> {
      let message: { type?: unknown; id?: unknown; payload?: unknown };
      try {
        message = JSON.parse(String(raw)) as typeof message;
      } catch {
        if (legacy) send({ type: 'connection_error', payload: 'parsing ClientMessage failed' });
        else socket.close(4400, 'Invalid message received');
        return;
      }
      const id = typeof message.id === 'string' ? message.id : undefined;
      switch (message.type) {
        case 'connection_init':
          return init(message.payload);
        case 'ping':
          return send({ type: 'pong' });
        case 'subscribe':
        case 'start':
          if (!headers) {
            if (legacy) send({ type: 'connection_error', payload: 'connection not initialised' });
            else socket.close(4401, 'Unauthorized');
            return;
          }
          if (id === undefined) return;
          if (running.has(id)) {
            if (!legacy) socket.close(4409, `Subscriber for ${id} already exists`);
            return;
          }
          // Started, not awaited: the live query goes on while the next messages are handled.
          return void start(id, (message.payload ?? {}) as Payload, headers);
        case 'complete':
        case 'stop':
          if (id !== undefined) {
            running.get(id)?.();
            running.delete(id);
          }
          return;
        case 'connection_terminate':
          return socket.close(1000);
        default:
          return;
      }
    }

    async function init(payload: unknown) {
      if (headers) {
        if (!legacy) socket.close(4429, 'Too many initialisation requests');
        return;
      }
      const given =
        payload && typeof payload === 'object' && 'headers' in payload
          ? (payload as { headers?: unknown }).headers
          : payload;
      const candidate: Record<string, string> = { ...upgradeHeaders };
      if (given && typeof given === 'object')
        for (const [name, value] of Object.entries(given as Record<string, unknown>))
          if (typeof value === 'string') candidate[name.toLowerCase()] = value;
      // Authenticate now, as Hasura does: a bad token refuses the connection.
      const probe = await engine.execute({ query: '{ __typename }', headers: candidate });
      const error = (probe.body.errors as { message?: string }[] | undefined)?.[0];
      if (error) {
        if (legacy) send({ type: 'connection_error', payload: error.message ?? 'unauthorized' });
        socket.close(4400, error.message ?? 'Unauthorized');
        return;
      }
      headers = candidate;
      send({ type: 'connection_ack' });
      if (legacy) {
        send({ type: 'ka' });
        const timer = setInterval(() => send({ type: 'ka' }), keepAliveMs);
        timers.add(timer);
      }
    }

    async function start(id: string, payload: Payload, sessionHeaders: Record<string, string>) {
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
        const { body } = await engine.execute(request);
        if (stopped) return;
        if (body.errors) {
          // Validation, permission and execution errors end the subscription.
          running.delete(id);
          stopped = true;
          if (legacy) send({ type: 'error', id, payload: { errors: body.errors } });
          else send({ type: 'error', id, payload: body.errors });
          return;
        }
        const text = JSON.stringify(body);
        if (text !== last) {
          last = text;
          send({ type: legacy ? 'data' : 'next', id, payload: body });
        }
        timer = setTimeout(() => void run(), refetchMs);
      };
      await run();
    }
  });

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
