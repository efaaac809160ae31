import { resolve } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { createHasuraClient, type HasuraClient } from '../../lib/platform/hasura/client';
import { createHasuraEngine, type HasuraEngine, loadProject, openDatabase } from '../../sandbox/hasura';

export const METADATA_DIR = resolve(__dirname, '../../hasura-metadata');
export const HASURA_ADMIN_SECRET = 'test-hasura-admin-secret';

export interface TestHasura {
  db: PGlite;
  engine: HasuraEngine;
  /** Our Hasura client, its HTTP faked at the boundary: fetch goes straight into the stand-in engine. */
  client: HasuraClient;
  /** How many GraphQL requests the client sent, by operation name. */
  calls: string[];
  /** Empties every table of the schema, ids starting at 1 again, and forgets the calls. */
  emptyTables(): Promise<void>;
  /** The rows a SQL query answers. */
  rows<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/** The Hasura stand-in over an in-memory PostgreSQL with this repository's migrations and metadata. */
export async function startTestHasura(env: Record<string, string> = {}): Promise<TestHasura> {
  const db = await openDatabase({ migrations: loadProject(METADATA_DIR).migrations });
  const engine = await createHasuraEngine({
    projectDir: METADATA_DIR,
    db,
    env: {
      HASURA_GRAPHQL_ADMIN_SECRET: HASURA_ADMIN_SECRET,
      HASURA_GRAPHQL_JWT_SECRET: JSON.stringify({
        type: 'HS256',
        key: 'test-jwt-key-that-is-at-least-32-characters',
      }),
      HASURA_GRAPHQL_UNAUTHORIZED_ROLE: 'anonymous',
      ACTIONS_BASE_URL: 'http://127.0.0.1:9',
      ACTIONS_SECRET: 'unused',
      ...env,
    },
  });
  const calls: string[] = [];
  const fetch: typeof globalThis.fetch = async (_url, init) => {
    const request = JSON.parse(String(init?.body)) as {
      query: string;
      variables?: Record<string, unknown>;
      operationName?: string;
    };
    calls.push(request.operationName ?? '(anonymous)');
    const { status, body } = await engine.execute({
      ...request,
      headers: Object.fromEntries(new Headers(init?.headers)),
    });
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  };
  const client = createHasuraClient({
    endpoint: 'http://hasura.test/v1/graphql',
    adminSecret: HASURA_ADMIN_SECRET,
    timeoutMs: 5000,
    fetch,
  });
  // Every table the migrations made, so that a new one is emptied too.
  const tables = (
    await db.query<{ name: string }>(
      "SELECT format('%I', tablename) AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
    )
  ).rows.map((t) => t.name);
  return {
    db,
    engine,
    client,
    calls,
    async emptyTables() {
      await db.exec(`TRUNCATE ${tables.join(', ')} RESTART IDENTITY CASCADE`);
      calls.length = 0;
    },
    rows: async <T>(sql: string, params?: unknown[]) => (await db.query<T>(sql, params)).rows,
    close: () => db.close(),
  };
}
