import type { Env } from '../../lib/basics/settings';
import { LOCAL_REGISTRY_ID, type QoveryStandIn } from '../../sandbox/qovery';
import type { OperatorIo } from '../../scripts/template';
import { HASURA_ADMIN_SECRET, type TestHasura } from './hasura';
import { QOVERY_PROJECT, QOVERY_TOKEN } from './stand-ins';

/** A stage's settings for the operator commands (npm run template, npm run upgrade), on the stand-ins. */
export const operatorEnv = (qovery: QoveryStandIn, extra: Env = {}): Env => ({
  // Not called: the tests hand the command the Hasura stand-in's client.
  HASURA_GRAPHQL_ENDPOINT: 'http://localhost:9/v1/graphql',
  HASURA_GRAPHQL_ADMIN_SECRET: HASURA_ADMIN_SECRET,
  QOVERY_API_URL: qovery.url,
  QOVERY_API_TOKEN: QOVERY_TOKEN,
  QOVERY_PROJECT_ID: QOVERY_PROJECT,
  QOVERY_REGISTRY_ID: LOCAL_REGISTRY_ID,
  CONSOLE_CLAIM_KEY: 'test-console-claim-key-0123456789abcdef',
  ...extra,
});

/** What an operator command reads and prints, kept for the test to read. */
export function operatorIo(hasura: TestHasura, env: Env): OperatorIo & { said: string[]; errors: string[] } {
  const said: string[] = [];
  const errors: string[] = [];
  return {
    env,
    out: (line) => said.push(line),
    err: (line) => errors.push(line),
    hasura: hasura.client,
    retireAfterMs: 0,
    said,
    errors,
  };
}

/** The template recorded in the database. */
export const recordedTemplates = (hasura: TestHasura) =>
  hasura.rows<{ qovery_environment_id: string; appwrite_version: string }>(
    'SELECT qovery_environment_id, appwrite_version FROM instance_template',
  );
