// Starts the local Hasura stand-in from the environment (used by the local start command):
//
//   HASURA_PROJECT_DIR             Hasura CLI project (default: ./hasura-metadata)
//   HASURA_STAND_IN_PORT           port on 127.0.0.1 (default: 8080)
//   HASURA_STAND_IN_DATA_DIR       database directory (default: ./.local/hasura-stand-in/pgdata;
//                                  "memory" for an in-memory database)
//   HASURA_GRAPHQL_ADMIN_SECRET, HASURA_GRAPHQL_JWT_SECRET, HASURA_GRAPHQL_UNAUTHORIZED_ROLE,
//   ACTIONS_BASE_URL, ACTIONS_SECRET, …   as for Hasura and the actions' handlers/headers.
//
// Run: npx tsx sandbox/hasura/main.ts

import { resolve } from 'node:path';
import { startHasuraStandIn } from './index';

async function main(): Promise<void> {
  const projectDir = resolve(process.env.HASURA_PROJECT_DIR ?? 'hasura-metadata');
  const port = Number(process.env.HASURA_STAND_IN_PORT ?? '8080');
  const dataDirEnv = process.env.HASURA_STAND_IN_DATA_DIR ?? '.local/hasura-stand-in/pgdata';
  const dataDir = dataDirEnv === 'memory' ? undefined : resolve(dataDirEnv);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`HASURA_STAND_IN_PORT is not a port: ${port}`);

  const standIn = await startHasuraStandIn({
    projectDir,
    port,
    ...(dataDir ? { dataDir } : {}),
    env: process.env,
  });
  console.log(`Hasura stand-in (local only; production uses Hasura) listening on ${standIn.graphqlUrl}`);
  console.log(`  metadata: ${projectDir}`);
  console.log(`  database: ${dataDir ?? 'in memory'}`);

  let closing = false;
  const stop = (signal: string) => {
    if (closing) return;
    closing = true;
    console.log(`Hasura stand-in: ${signal}, shutting down`);
    standIn.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
