import { join } from 'node:path';
import { startHasuraStandIn } from '../../sandbox/hasura';
import { ROOT } from './paths';

/** The bench's Hasura stand-in's admin secret (its clients send it). */
export const BENCH_ADMIN_SECRET = 'bench-admin-secret';

/**
 * The Hasura stand-in on the project's metadata (PGlite, the real triggers), for the parts that
 * drive lib/ against it (7, the reconciler; 9, the launch day). The actions' handlers are never
 * called from it, but Hasura needs them resolvable.
 */
export function startBenchHasura(): ReturnType<typeof startHasuraStandIn> {
  return startHasuraStandIn({
    projectDir: join(ROOT, 'hasura-metadata'),
    env: {
      HASURA_GRAPHQL_ADMIN_SECRET: BENCH_ADMIN_SECRET,
      ACTIONS_BASE_URL: 'http://127.0.0.1:9',
      ACTIONS_SECRET: 'bench-actions-secret-0123456789',
      HASURA_GRAPHQL_JWT_SECRET: JSON.stringify({
        type: 'HS256',
        key: 'bench-jwt-key-at-least-32-characters!!',
      }),
    },
  });
}
