// A local stand-in for Hasura's GraphQL engine (v2), for development and tests only: it reads the
// repository's Hasura CLI project (metadata + migrations) and serves `/v1/graphql` over PGlite.
// Production runs the real Hasura. See README.md for what is reproduced and what is not.

import type { PGlite } from '@electric-sql/pglite';
import type { Env } from './auth';
import { openDatabase } from './database';
import { createHasuraEngine, type HasuraEngine } from './engine';
import { loadProject } from './metadata';
import { serve } from './server';

export type { Env, Session } from './auth';
export { applyMigrations, openDatabase } from './database';
export type { CreateEngineOptions, GraphQLRequest, GraphQLResponse, HasuraEngine } from './engine';
export { createHasuraEngine } from './engine';
export { HasuraError } from './errors';
export type {
  ActionHeader,
  ActionMetadata,
  BoolExp,
  DeletePermission,
  InsertPermission,
  Migration,
  ProjectMetadata,
  RelationshipMetadata,
  SelectPermission,
  TableMetadata,
  TableName,
  UpdatePermission,
} from './metadata';
export { loadProject } from './metadata';

export interface StartOptions {
  /** The Hasura CLI project directory (`hasura-metadata`). */
  projectDir: string;
  /** 0 (the default) picks a free port. The server binds 127.0.0.1. */
  port?: number;
  /** Keep the database on disk there; in memory when absent. */
  dataDir?: string;
  env: Env;
  /**
   * Append the client's address to X-Forwarded-For, as the load balancer in front of a deployed
   * Hasura does (Hasura forwards the header to actions with `forward_client_headers`).
   */
  appendForwardedFor?: boolean;
  /** Live queries' re-run period in ms (default 1000, as Hasura's). */
  refetchMs?: number;
}

export interface HasuraStandIn {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `http://127.0.0.1:<port>/v1/graphql` */
  graphqlUrl: string;
  db: PGlite;
  engine: HasuraEngine;
  close(): Promise<void>;
}

export async function startHasuraStandIn(options: StartOptions): Promise<HasuraStandIn> {
  const metadata = loadProject(options.projectDir);
  const db = await openDatabase({
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    migrations: metadata.migrations,
  });
  try {
    const engine = await createHasuraEngine({ projectDir: options.projectDir, db, env: options.env });
    const running = await serve(engine, options.port ?? 0, '127.0.0.1', {
      appendForwardedFor: options.appendForwardedFor ?? false,
      ...(options.refetchMs === undefined ? {} : { refetchMs: options.refetchMs }),
    });
    return {
      url: running.url,
      graphqlUrl: `${running.url}/v1/graphql`,
      db,
      engine,
      close: async () => {
        await running.close();
        await db.close();
      },
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}
