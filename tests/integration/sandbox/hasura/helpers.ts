// Shared pieces for the Hasura stand-in's tests: the projects, an engine over an in-memory PGlite,
// JWTs signed with node:crypto (independently of the stand-in's own verifier), and a tiny
// node:http server playing an action handler.

import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import {
  createHasuraEngine,
  type Env,
  type HasuraEngine,
  loadProject,
  openDatabase,
} from '../../../../sandbox/hasura';

export const REPO_PROJECT = resolve(__dirname, '../../../../hasura-metadata');
export const BLOG_PROJECT = resolve(__dirname, '../../../fixtures/hasura/blog');

export const ADMIN_SECRET = 'stand-in-admin-secret';
export const JWT_KEY = 'stand-in-jwt-key-of-at-least-32-characters!';
export const ACTIONS_SECRET = 'stand-in-actions-secret';

export function baseEnv(extra: Env = {}): Env {
  return {
    HASURA_GRAPHQL_ADMIN_SECRET: ADMIN_SECRET,
    HASURA_GRAPHQL_JWT_SECRET: JSON.stringify({ type: 'HS256', key: JWT_KEY }),
    HASURA_GRAPHQL_UNAUTHORIZED_ROLE: 'anonymous',
    ACTIONS_BASE_URL: 'http://127.0.0.1:9',
    // The blog fixture's handler template: Hasura resolves templates when metadata loads.
    HANDLER_URL: 'http://127.0.0.1:9',
    ACTIONS_SECRET,
    ...extra,
  };
}

export interface Harness {
  db: PGlite;
  engine: HasuraEngine;
  /** Runs a request and returns the response body. */
  gql(query: string, headers?: Record<string, string>, variables?: Record<string, unknown>): Promise<GqlBody>;
  close(): Promise<void>;
}

export interface GqlError {
  message: string;
  extensions: Record<string, unknown> & { code?: string; path?: string };
}

export interface GqlBody {
  data?: Record<string, unknown>;
  errors?: GqlError[];
}

export async function startHarness(projectDir: string, env: Env): Promise<Harness> {
  const db = await openDatabase({ migrations: loadProject(projectDir).migrations });
  const engine = await createHasuraEngine({ projectDir, db, env }).catch(async (error: unknown) => {
    await db.close();
    throw error;
  });
  return {
    db,
    engine,
    gql: async (query, headers = {}, variables) =>
      (await engine.execute({ query, headers, variables: variables ?? null })).body as GqlBody,
    close: () => db.close(),
  };
}

/** The repository's project and the blog fixture, each over its own in-memory database. */
export async function startRepoAndBlog(): Promise<{ repo: Harness; blog: Harness; close(): Promise<void> }> {
  const [repo, blog] = await Promise.all([
    startHarness(REPO_PROJECT, baseEnv()),
    startHarness(BLOG_PROJECT, baseEnv()),
  ]);
  return { repo, blog, close: async () => void (await Promise.all([repo.close(), blog.close()])) };
}

export const asAdmin = (extra: Record<string, string> = {}) => ({
  'x-hasura-admin-secret': ADMIN_SECRET,
  ...extra,
});

export function firstError(body: GqlBody): GqlError {
  const error = body.errors?.[0];
  if (!error) throw new Error(`expected an error, got ${JSON.stringify(body)}`);
  return error;
}

const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

export function signJwt(
  payload: Record<string, unknown>,
  options: { key?: string; alg?: 'HS256' | 'HS384' | 'HS512' } = {},
): string {
  const alg = options.alg ?? 'HS256';
  const header = b64url(JSON.stringify({ alg, typ: 'JWT' }));
  const body = b64url(JSON.stringify(payload));
  const hash = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }[alg];
  const signature = createHmac(hash, options.key ?? JWT_KEY)
    .update(`${header}.${body}`)
    .digest('base64url');
  return `${header}.${body}.${signature}`;
}

export function userToken(
  userId: number | string,
  overrides: Record<string, unknown> = {},
  claims: Record<string, unknown> = {},
): string {
  const now = Math.floor(Date.now() / 1000);
  return signJwt({
    sub: String(userId),
    iat: now,
    exp: now + 300,
    'https://hasura.io/jwt/claims': {
      'x-hasura-default-role': 'user',
      'x-hasura-allowed-roles': ['user'],
      'x-hasura-user-id': String(userId),
      ...claims,
    },
    ...overrides,
  });
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: Record<string, unknown>;
}

export interface HandlerReply {
  status?: number;
  body?: unknown;
  /** Sent as is instead of JSON. */
  raw?: string;
  delayMs?: number;
}

export interface FakeHandler {
  url: string;
  requests: RecordedRequest[];
  reply(next: HandlerReply | ((request: RecordedRequest) => HandlerReply)): void;
  close(): Promise<void>;
}

export async function startFakeHandler(): Promise<FakeHandler> {
  const requests: RecordedRequest[] = [];
  let reply: HandlerReply | ((request: RecordedRequest) => HandlerReply) = { status: 200, body: {} };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(body) as Record<string, unknown>;
      } catch {
        // recorded as text only
      }
      const recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, json };
      requests.push(recorded);
      const answer = typeof reply === 'function' ? reply(recorded) : reply;
      const send = () => {
        if (res.destroyed) return;
        const text = answer.raw ?? JSON.stringify(answer.body ?? {});
        res.writeHead(answer.status ?? 200, {
          'Content-Type': answer.raw ? 'text/plain' : 'application/json',
        });
        res.end(text);
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    reply: (next) => {
      reply = next;
    },
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
