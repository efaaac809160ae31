import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, parseEnv } from 'node:util';
import { createLogger } from '../lib/basics/log';
import type { Env } from '../lib/basics/settings';
import { generateSecrets } from '../lib/instances/blueprint/secrets';
import type { Release } from '../lib/instances/blueprint/versions';
import { ensureTemplate, type TemplateOutcome } from '../lib/instances/provision-template';
import { readInstance, readQovery } from '../lib/instances/settings';
import { createHasuraClient, type HasuraClient } from '../lib/platform/hasura/client';
import { createQoveryClient } from '../lib/platform/qovery/client';
import { SECRETS_PATH_VARIABLE, withSecrets } from '../lib/platform/secrets';
import { type Config, loadConfigWith, settingsOfReaders } from '../lib/runtime/config';
import { readCore } from '../lib/runtime/settings';

const ROOT = join(__dirname, '..');

export const TEMPLATE_USAGE = `Usage: npm run template -- [--stage <stage>]

Creates the template environment new instances are cloned from (4 Qovery calls each instead of
about 30), from the blueprint at the configured APPWRITE_VERSION, and records it in the database;
refreshes it when that version, the instances' settings or the blueprint changed. Run it after
every deploy (npm run upgrade runs it too). Idempotent: a second run finds it current.

  --stage <stage>  the stage's settings: the environment over stages/<stage>.env, and every secret
                   the environment does not set from SSM /appwrite-cloud/<stage>/
                   (without --stage: the environment over .env, e.g. the local stack's settings)
  --help           this text`;

/** What the command reads: Hasura, Qovery and what an instance is made of. */
const READERS = { core: readCore, qovery: readQovery, instance: readInstance };
export type OperatorConfig = Config<keyof typeof READERS>;

/** Where the commands write, read and (tests) connect. */
export interface OperatorIo {
  env: Env;
  out(line: string): void;
  err(line: string): void;
  /** Tests: Hasura (otherwise the settings' endpoint with the admin secret). */
  hasura?: HasuraClient;
  /** Tests: releases beyond the code's, and no pause before the replaced template goes. */
  releases?: Readonly<Record<string, Release>>;
  retireAfterMs?: number;
}

function envFile(path: string): Env {
  return existsSync(path) ? parseEnv(readFileSync(path, 'utf8')) : {};
}

/**
 * The settings the functions of `stage` run with (their plain settings as the deploy takes them:
 * the environment over stages/<stage>.env; secrets from SSM unless the environment has them), or
 * the environment's over .env without a stage.
 */
export async function loadOperatorConfig(stage: string | undefined, env: Env): Promise<OperatorConfig> {
  if (stage === undefined) return loadConfigWith({ ...envFile(join(ROOT, '.env')), ...env }, READERS);
  const plain = { ...envFile(join(ROOT, 'stages', `${stage}.env`)), ...env };
  const secrets = settingsOfReaders(READERS).filter((s) => s.secret && !plain[s.name]);
  const full = await withSecrets(
    { ...plain, [SECRETS_PATH_VARIABLE]: `/appwrite-cloud/${stage}/` },
    secrets.map((s) => s.name),
    { optional: secrets.filter((s) => s.optional).map((s) => s.name) },
  );
  return loadConfigWith(full, READERS);
}

/** Creates or refreshes the template (lib/instances/provision-template.ts) and says what it did. */
export async function refreshTemplate(config: OperatorConfig, io: OperatorIo): Promise<TemplateOutcome> {
  const { core, qovery, instance } = config;
  const outcome = await ensureTemplate({
    client: createQoveryClient({ baseUrl: qovery.apiUrl, token: qovery.token }),
    settings: { ...qovery, instance },
    hasura: io.hasura ?? createHasuraClient(core.hasura),
    log: createLogger({ level: 'warn' }),
    cleanupTimeoutMs: 10_000,
    cleanupRecheckMs: 1000,
    makeSecrets: generateSecrets,
    ...(io.releases ? { releases: io.releases } : {}),
    ...(io.retireAfterMs === undefined ? {} : { retireAfterMs: io.retireAfterMs }),
  });
  const { action, environmentId, version, replaced, removed } = outcome;
  if (action === 'unchanged')
    io.out(`Template up to date: environment ${environmentId}, AppWrite ${version}.`);
  else if (action === 'created')
    io.out(`Template created: environment ${environmentId}, AppWrite ${version}.`);
  else
    io.out(
      `Template refreshed: environment ${environmentId}, AppWrite ${version} (was ${replaced?.environmentId}, AppWrite ${replaced?.version}).`,
    );
  if (removed.length > 0) io.out(`Deleted the template environment(s) it replaced: ${removed.join(', ')}.`);
  if (qovery.templateEnvironmentId)
    io.out(
      `Note: QOVERY_TEMPLATE_ENVIRONMENT_ID is set, so CreateProject clones ${qovery.templateEnvironmentId}, not this template: unset it to use this one.`,
    );
  else io.out(`CreateProject clones it while APPWRITE_VERSION is ${version} (logs: provision.strategy).`);
  return outcome;
}

/** `npm run template`: 0 done, 1 failed (the reason printed), 2 a wrong command line. */
export async function templateCommand(argv: string[], io: OperatorIo): Promise<number> {
  let values: { stage?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { stage: { type: 'string' }, help: { type: 'boolean', default: false } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    io.err(`${error instanceof Error ? error.message : String(error)}\n\n${TEMPLATE_USAGE}`);
    return 2;
  }
  if (values.help) {
    io.out(TEMPLATE_USAGE);
    return 0;
  }
  try {
    await refreshTemplate(await loadOperatorConfig(values.stage, io.env), io);
    return 0;
  } catch (error) {
    io.err(`The template was not made: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

if (require.main === module)
  void templateCommand(process.argv.slice(2), {
    env: process.env,
    out: (line) => console.log(line),
    err: (line) => console.error(line),
  }).then((code) => process.exit(code));
