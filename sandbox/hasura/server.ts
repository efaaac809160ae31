// The HTTP face of the stand-in: `POST /v1/graphql` (single or batched requests), `GET /healthz`,
// `GET /v1/version`, permissive CORS like Hasura's default. Anything else is Hasura's 404.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GraphQLRequest, HasuraEngine } from './engine';
import type { JsonObject, JsonValue } from './errors';
import { createSubscriptionServer } from './subscriptions';

const MAX_BODY_BYTES = 10 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(
  res: ServerResponse,
  status: number,
  body: JsonValue | string,
  contentType = 'application/json; charset=utf-8',
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function cors(req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('Access-Control-Allow-Origin', req.headers.origin ?? '*');
  res.setHeader('Access-Control-Allow-Credentials', 'true');
  res.setHeader('Access-Control-Allow-Methods', 'GET,POST,PUT,PATCH,DELETE,OPTIONS');
  const requested = req.headers['access-control-request-headers'];
  if (requested) res.setHeader('Access-Control-Allow-Headers', requested);
  res.setHeader('Access-Control-Max-Age', '1728000');
}

function requestHeaders(req: IncomingMessage, options: ServeOptions): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  // What a load balancer in front of Hasura does (an ALB in its default `append` mode): append
  // the address the request came from to X-Forwarded-For. Hasura itself does not.
  if (options.appendForwardedFor) {
    const peer = req.socket.remoteAddress ?? '';
    const given = out['x-forwarded-for'];
    out['x-forwarded-for'] = given ? `${given}, ${peer}` : peer;
  }
  return out;
}

function asRequest(value: unknown, headers: Record<string, string>): GraphQLRequest | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  return {
    query: v.query as string,
    variables: (v.variables ?? null) as Record<string, unknown> | null,
    operationName: (v.operationName ?? null) as string | null,
    headers,
  };
}

async function graphql(
  engine: HasuraEngine,
  req: IncomingMessage,
  res: ServerResponse,
  options: ServeOptions,
): Promise<void> {
  const headers = requestHeaders(req, options);
  let payload: unknown;
  try {
    payload = JSON.parse(await readBody(req));
  } catch (error) {
    send(res, 400, { path: '$', error: `Error in $: ${(error as Error).message}`, code: 'invalid-json' });
    return;
  }
  if (Array.isArray(payload)) {
    const out: JsonObject[] = [];
    for (const item of payload) {
      const request = asRequest(item, headers);
      out.push(
        request
          ? (await engine.execute(request)).body
          : { errors: [{ message: 'expected an object', extensions: { path: '$', code: 'parse-failed' } }] },
      );
    }
    send(res, 200, out);
    return;
  }
  const request = asRequest(payload, headers);
  if (!request) {
    send(res, 400, {
      path: '$',
      error: 'expected Object, but encountered something else',
      code: 'parse-failed',
    });
    return;
  }
  const result = await engine.execute(request);
  send(res, result.status, result.body);
}

export interface RunningServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export interface ServeOptions {
  /** Behave as if behind a load balancer that appends the client's address to X-Forwarded-For. */
  appendForwardedFor?: boolean;
  /** Live queries' re-run period in ms (Hasura's default: 1000). */
  refetchMs?: number;
}

export function serve(
  engine: HasuraEngine,
  port: number,
  host = '127.0.0.1',
  options: ServeOptions = {},
): Promise<RunningServer> {
  const server = createServer((req, res) => {
    cors(req, res);
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'OPTIONS') {
      res.writeHead(204);
      res.end();
    } else if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      send(res, 200, 'OK', 'text/plain; charset=utf-8');
    } else if (path === '/v1/version' && req.method === 'GET') {
      send(res, 200, { version: 'v2-local-stand-in' });
    } else if (path === '/v1/graphql' && req.method === 'POST') {
      graphql(engine, req, res, options).catch((error: unknown) => {
        send(res, 500, {
          path: '$',
          error: `internal error: ${(error as Error).message}`,
          code: 'unexpected',
        });
      });
    } else {
      send(res, 404, { path: '$', error: 'resource does not exist', code: 'not-found' });
    }
  });
  // Subscriptions: WebSocket upgrades of /v1/graphql (sandbox/hasura/subscriptions.ts).
  const subscriptions = createSubscriptionServer(engine, {
    ...(options.refetchMs === undefined ? {} : { refetchMs: options.refetchMs }),
  });
  server.on('upgrade', (req, socket, head) => {
    if ((req.url ?? '/').split('?')[0] === '/v1/graphql') subscriptions.upgrade(req, socket, head);
    else socket.destroy();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const { port: bound } = server.address() as AddressInfo;
      resolve({
        server,
        url: `http://${host}:${bound}`,
        close: () =>
          new Promise<void>((done, fail) => {
            subscriptions.close();
            server.close((error) => (error ? fail(error) : done()));
            server.closeAllConnections();
          }),
      });
    });
  });
}
