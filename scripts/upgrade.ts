import { parseArgs } from 'node:util';
import { APPWRITE_VERSION, DEPLOYABLE } from '../lib/instances/blueprint/versions';
import { listUpgrades, requestUpgrades } from '../lib/instances/upgrades';
import { createHasuraClient, type HasuraClient } from '../lib/platform/hasura/client';
import { loadOperatorConfig, type OperatorConfig, type OperatorIo, refreshTemplate } from './template';

/**
 * `npm run upgrade`: moves AppWrite instances to the configured release (lib/instances/upgrades.ts). It
 * records the target on the project rows, through Hasura with the admin secret; the reconciler
 * then takes each instance there step by step, within minutes per step. Run it again to see where
 * they are (`--status`) or to retry the ones whose upgrade stopped. It then refreshes the template
 * new instances are cloned from, as `npm run template` does (scripts/template.ts).
 */
export const UPGRADE_USAGE = `Usage:
  npm run upgrade -- --project 12 [--project 13 …]   these instances
  npm run upgrade -- --all                            every instance
  npm run upgrade -- --status                         every instance's release and upgrade

  --to <version>   the release to go to (default: APPWRITE_VERSION, else the code's default release)
  --stage <stage>  reads the admin secret from SSM /appwrite-cloud/<stage>/… when
                   HASURA_GRAPHQL_ADMIN_SECRET is not set (and the template's settings as
                   npm run template -- --stage <stage> does)
  --help           this text

Needs HASURA_GRAPHQL_ENDPOINT (the stage's Hasura, e.g. https://hasura.example.com/v1/graphql).
Once the upgrades are asked, the template environment is refreshed to APPWRITE_VERSION.`;

/** 0 done, 1 failed (the reason printed), 2 a wrong command line. */
export async function upgradeCommand(argv: string[], io: OperatorIo): Promise<number> {
  let values: UpgradeOptions;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        project: { type: 'string', multiple: true },
        all: { type: 'boolean', default: false },
        status: { type: 'boolean', default: false },
        to: { type: 'string' },
        stage: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    io.err(`${error instanceof Error ? error.message : String(error)}\n\n${UPGRADE_USAGE}`);
    return 2;
  }
  if (values.help) {
    io.out(UPGRADE_USAGE);
    return 0;
  }
  try {
    if (values.status) await printStatus(await hasuraOf(values.stage, io), io);
    else {
      await askUpgrades(values, await hasuraOf(values.stage, io), io);
      return await refreshTemplateToo(values.stage, io);
    }
    return 0;
  } catch (error) {
    io.err(error instanceof Error ? error.message : String(error));
    return 1;
  }
}

interface UpgradeOptions {
  project?: string[];
  all?: boolean;
  status?: boolean;
  to?: string;
  stage?: string;
  help?: boolean;
}

const deadline = () => Date.now() + 60_000;

async function hasuraOf(stage: string | undefined, io: OperatorIo): Promise<HasuraClient> {
  if (io.hasura) return io.hasura;
  const endpoint = io.env.HASURA_GRAPHQL_ENDPOINT;
  if (!endpoint) throw new Error('Set HASURA_GRAPHQL_ENDPOINT to the stage’s Hasura GraphQL URL.');
  const adminSecret = io.env.HASURA_GRAPHQL_ADMIN_SECRET ?? (await fromSsm(stage));
  return createHasuraClient({ endpoint, adminSecret, timeoutMs: 10_000 });
}

async function printStatus(hasura: HasuraClient, io: OperatorIo) {
  io.out('project  status    version  target   step     stopped because');
  for (const row of await listUpgrades(hasura, deadline()))
    io.out(
      `${String(row.id).padEnd(8)} ${row.status.padEnd(9)} ${row.appwrite_version.padEnd(8)} ${(row.appwrite_target_version ?? '-').padEnd(8)} ${(row.upgrade_step ?? '-').padEnd(8)} ${row.upgrade_error ?? ''}`,
    );
}

async function askUpgrades(values: UpgradeOptions, hasura: HasuraClient, io: OperatorIo) {
  const ids = (values.project ?? []).map((text) => {
    if (!/^[1-9]\d*$/.test(text)) throw new Error(`--project takes a project id, not "${text}"`);
    return Number(text);
  });
  if (values.all === ids.length > 0) throw new Error('Give --project <id> (one or more) or --all.');
  const target = values.to ?? io.env.APPWRITE_VERSION ?? APPWRITE_VERSION;
  if (!(DEPLOYABLE as readonly string[]).includes(target))
    io.err(`Note: ${target} is not a release new instances are created with (${DEPLOYABLE.join(', ')}).`);
  const answer = await requestUpgrades(
    hasura,
    { projects: values.all ? 'all' : ids, target, ...(io.releases ? { releases: io.releases } : {}) },
    deadline(),
  );
  io.out(
    `Upgrade to AppWrite ${target} asked for ${answer.asked.length} project(s): ${answer.asked.join(', ') || '-'}`,
  );
  for (const { id, version, why } of answer.skipped)
    io.out(`  left alone: project ${id}${version ? ` (AppWrite ${version})` : ''}: ${why}`);
  io.out('The reconciler takes them there step by step; `npm run upgrade -- --status` shows where they are.');
}

/** New instances should be cloned at the new release too: the template follows APPWRITE_VERSION. */
async function refreshTemplateToo(stage: string | undefined, io: OperatorIo): Promise<number> {
  const again = `npm run template${stage ? ` -- --stage ${stage}` : ''}`;
  let config: OperatorConfig;
  try {
    config = await loadOperatorConfig(stage, io.env);
  } catch (error) {
    io.err(
      `The template was not refreshed (${error instanceof Error ? error.message : String(error)}): run \`${again}\` with the stage's settings.`,
    );
    return 0;
  }
  try {
    await refreshTemplate(config, io);
    return 0;
  } catch (error) {
    io.err(
      `The upgrades are asked, but the template was not refreshed: ${error instanceof Error ? error.message : String(error)}. Run \`${again}\` again.`,
    );
    return 1;
  }
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

if (require.main === module)
  void upgradeCommand(process.argv.slice(2), {
    env: process.env,
    out: (line) => console.log(line),
    err: (line) => console.error(line),
  }).then((code) => process.exit(code));
