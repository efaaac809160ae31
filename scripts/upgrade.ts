import { parseArgs } from 'node:util';
import { APPWRITE_VERSION, DEPLOYABLE } from '../lib/instances/blueprint/versions';
import { listUpgrades, requestUpgrades } from '../lib/instances/upgrades';
import { createHasuraClient } from '../lib/platform/hasura/client';

/**
 * `npm run upgrade`: moves AppWrite instances to the configured release (lib/instances/upgrades.ts). It
 * records the target on the project rows, through Hasura with the admin secret; the reconciler
 * then takes each instance there step by step, within minutes per step. Run it again to see where
 * they are (`--status`) or to retry the ones whose upgrade stopped.
 *
 *   npm run upgrade -- --project 12 [--project 13 …]   these instances
 *   npm run upgrade -- --all                            every instance
 *   npm run upgrade -- --status                         every instance's release and upgrade
 *   options: --to <version> (default: APPWRITE_VERSION, else the code's default release)
 *            --stage <stage> reads the admin secret from SSM /appwrite-cloud/<stage>/… when
 *            HASURA_GRAPHQL_ADMIN_SECRET is not set
 *
 * Needs HASURA_GRAPHQL_ENDPOINT (the stage's Hasura, e.g. https://hasura.example.com/v1/graphql).
 */
async function main() {
  const { values } = parseArgs({
    options: {
      project: { type: 'string', multiple: true },
      all: { type: 'boolean', default: false },
      status: { type: 'boolean', default: false },
      to: { type: 'string' },
      stage: { type: 'string' },
    },
  });
  const endpoint = process.env.HASURA_GRAPHQL_ENDPOINT;
  if (!endpoint) throw new Error('Set HASURA_GRAPHQL_ENDPOINT to the stage’s Hasura GraphQL URL.');
  const adminSecret = process.env.HASURA_GRAPHQL_ADMIN_SECRET ?? (await fromSsm(values.stage));
  const hasura = createHasuraClient({ endpoint, adminSecret, timeoutMs: 10_000 });
  const deadline = () => Date.now() + 60_000;

  if (values.status) {
    console.log('project  status    version  target   step     stopped because');
    for (const row of await listUpgrades(hasura, deadline()))
      console.log(
        `${String(row.id).padEnd(8)} ${row.status.padEnd(9)} ${row.appwrite_version.padEnd(8)} ${(row.appwrite_target_version ?? '-').padEnd(8)} ${(row.upgrade_step ?? '-').padEnd(8)} ${row.upgrade_error ?? ''}`,
      );
    return;
  }
  const ids = (values.project ?? []).map((text) => {
    if (!/^[1-9]\d*$/.test(text)) throw new Error(`--project takes a project id, not "${text}"`);
    return Number(text);
  });
  if (values.all === ids.length > 0) throw new Error('Give --project <id> (one or more) or --all.');
  const target = values.to ?? process.env.APPWRITE_VERSION ?? APPWRITE_VERSION;
  if (!(DEPLOYABLE as readonly string[]).includes(target))
    console.warn(
      `Note: ${target} is not a release new instances are created with (${DEPLOYABLE.join(', ')}).`,
    );
  const answer = await requestUpgrades(hasura, { projects: values.all ? 'all' : ids, target }, deadline());
  console.log(
    `Upgrade to AppWrite ${target} asked for ${answer.asked.length} project(s): ${answer.asked.join(', ') || '-'}`,
  );
  for (const { id, version, why } of answer.skipped)
    console.log(`  left alone: project ${id}${version ? ` (AppWrite ${version})` : ''}: ${why}`);
  console.log(
    'The reconciler takes them there step by step; `npm run upgrade -- --status` shows where they are.',
  );
}

async function fromSsm(stage: string | undefined): Promise<string> {
  if (!stage) throw new Error('Set HASURA_GRAPHQL_ADMIN_SECRET, or give --stage to read it from SSM.');
  const { SSMClient, GetParameterCommand } = await import('@aws-sdk/client-ssm');
  const name = `/appwrite-cloud/${stage}/HASURA_GRAPHQL_ADMIN_SECRET`;
  const { Parameter } = await new SSMClient({}).send(
    new GetParameterCommand({ Name: name, WithDecryption: true }),
  );
  if (!Parameter?.Value) throw new Error(`No SSM parameter ${name}.`);
  return Parameter.Value;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
