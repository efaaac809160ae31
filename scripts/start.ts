import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../lib/basics/settings';
import type { ReconcileSummary } from '../lib/instances/reconciler';
import { loadConfig, sectionNames } from '../lib/runtime/config';
import { formatViolation } from '../sandbox/qovery';
import { parseCli } from './cli';
import { acquireStackLock, assertPortsFree, checkHasura, StartError } from './preflight';
import { loadOrCreateSecrets, ROOT, type Stack, startOffline, startStack } from './stack';
import { type StartVariable, startSetting } from './start-settings';
import { runUntilStopped, stopProcess } from './supervise';

/**
 * `npm start`.
 * - No Hasura settings (the default): runs everything locally — the Hasura and Qovery stand-ins
 *   and every handler — with development secrets generated on first run under .local/.
 * - HASURA_GRAPHQL_ENDPOINT set (in .env or the environment): runs only the handlers, against the
 *   real Hasura and Qovery named there.
 */

parseCli(
  `Usage: npm start

Runs the control plane on this machine. Without HASURA_GRAPHQL_ENDPOINT (in .env or the
environment): the Hasura, Qovery and S3 stand-ins, a mail catcher and every handler, with
development secrets kept in .local/ (rm -rf .local resets everything). With it: only the handlers,
against the real Hasura and Qovery that .env names (copy .env.example; docs/configuration.md).
Ctrl+C (SIGINT), SIGTERM or SIGHUP stops everything it started.

Options:
  --help   this help

Example:
  HASURA_PORT=18080 npm start`,
  {},
  { command: 'npm start' },
);

const envFile = join(ROOT, '.env');
if (existsSync(envFile)) process.loadEnvFile(envFile);

const port = (name: StartVariable) => Number(startSetting(name));
const actionsPort = port('ACTIONS_PORT');
const lambdaPort = port('ACTIONS_LAMBDA_PORT');

/** The local stack's ports (docs/development.md lists them): these defaults unless .env or the environment says. */
function localPorts() {
  return {
    hasura: port('HASURA_PORT'),
    qovery: port('QOVERY_STANDIN_PORT'),
    s3: port('S3_STANDIN_PORT'),
    mailSmtp: port('MAIL_CATCHER_SMTP_PORT'),
    mailWeb: port('MAIL_CATCHER_WEB_PORT'),
  };
}

async function main() {
  if (process.env.HASURA_GRAPHQL_ENDPOINT) return handlersOnly();

  const started = performance.now();
  const local = join(ROOT, '.local');
  const ports = localPorts();
  const qoveryStepMs = port('QOVERY_STANDIN_STEP_MS');
  const lock = acquireStackLock(local, (note) => console.log(note));
  process.once('exit', () => lock.release());
  await assertPortsFree([
    { component: 'Hasura stand-in (GraphQL)', variable: 'HASURA_PORT', port: ports.hasura },
    { component: 'Qovery stand-in', variable: 'QOVERY_STANDIN_PORT', port: ports.qovery },
    { component: 'S3 stand-in', variable: 'S3_STANDIN_PORT', port: ports.s3 },
    { component: 'mail catcher (SMTP)', variable: 'MAIL_CATCHER_SMTP_PORT', port: ports.mailSmtp },
    { component: 'mail catcher (web)', variable: 'MAIL_CATCHER_WEB_PORT', port: ports.mailWeb },
    { component: 'action handlers (serverless-offline)', variable: 'ACTIONS_PORT', port: actionsPort },
    { component: "serverless-offline's Lambda port", variable: 'ACTIONS_LAMBDA_PORT', port: lambdaPort },
  ]);
  await runUntilStopped(
    async () => {
      const stack = await startStack({
        secrets: loadOrCreateSecrets(local),
        dataDir: join(local, 'pglite'),
        hasuraPort: ports.hasura,
        qoveryPort: ports.qovery,
        s3Port: ports.s3,
        s3Dir: join(local, 's3'),
        qoveryStateFile: join(local, 'qovery', 'state.json'),
        qoveryStepMs,
        mailSmtpPort: ports.mailSmtp,
        mailWebPort: ports.mailWeb,
        mailDir: join(local, 'maildev'),
        actionsPort,
        lambdaPort,
        onOutput: (chunk) => process.stdout.write(chunk),
        // Production runs it every minute; locally, every few seconds so statuses move as you watch.
        reconcileEveryMs: port('RECONCILE_EVERY_MS'),
        onReconcile: printReconcile,
        onQoveryViolation: (violation) => console.error(formatViolation(violation)),
        onStep: (what) =>
          console.log(`[${((performance.now() - started) / 1000).toFixed(1)} s] Starting ${what}…`),
      });
      printWelcome(stack, ((performance.now() - started) / 1000).toFixed(1), qoveryStepMs);
      return stack;
    },
    { onStopping: stopping },
  );
}

function stopping(why: string): void {
  console.log(`\nStopping (${why})…`);
}

/** What a reconciler run changed, when it changed anything or failed. */
function printReconcile(s: ReconcileSummary): void {
  const moved = s.changed + s.deletionsFinished + s.orphansRemoved;
  if (moved > 0 || s.failures.length > 0)
    console.log(
      `reconciler: ${s.changed} status change(s), ${s.deletionsFinished} deletion(s) finished, ${s.orphansRemoved} orphan(s) removed${s.failures.length ? `, failed: ${s.failures.join(', ')}` : ''}`,
    );
}

/** Where everything runs, and a first session to try. */
function printWelcome(stack: Stack, seconds: string, qoveryStepMs: number): void {
  const signup = JSON.stringify({
    query:
      'mutation { Signup(input: {email: "ada@example.com", password: "correct-horse-battery"}) { emailVerificationRequired } }',
  });
  const verify = JSON.stringify({
    query:
      'mutation { VerifyEmail(input: {token: "<token>", password: "correct-horse-battery"}) { accessToken refreshToken } }',
  });
  console.log(`
AppWrite Cloud is running locally (ready in ${seconds} s) — stand-ins for Hasura and Qovery, no account needed.

  GraphQL (Hasura stand-in)   ${stack.graphqlUrl}
  Action handlers             ${stack.actionsUrl}/<action>
  Qovery stand-in             ${stack.qoveryUrl}
  S3 stand-in (s3rver)        ${stack.s3Url}  (one bucket per instance, in .local/s3)
  Mail catcher (web inbox)    ${stack.mail.webUrl}   (SMTP on 127.0.0.1:${stack.mail.smtpPort})
  Admin secret                in .local/dev-secrets.json (HASURA_GRAPHQL_ADMIN_SECRET)

1. Sign up:

  curl -s ${stack.graphqlUrl} -H 'content-type: application/json' \\
    -d '${signup}'

2. Open ${stack.mail.webUrl} and copy the code from the "Confirm your email address" email.
3. Verify the address; the answer is your session:

  curl -s ${stack.graphqlUrl} -H 'content-type: application/json' \\
    -d '${verify}'

Then send the accessToken as "Authorization: Bearer <token>" for CreateProject, StartProject, ...
(REQUIRE_EMAIL_VERIFICATION=false in .env lifts the verification step.)

The reconciler runs every ${port('RECONCILE_EVERY_MS') / 1000} s (RECONCILE_EVERY_MS), so statuses move by themselves.
Follow them live, with the same Bearer token, over WebSocket (protocol graphql-transport-ws,
or the older graphql-ws) at ${stack.graphqlUrl.replace(/^http/, 'ws')}:

  subscription { project { id name status status_reason status_changed_at url } }

The README's first session and docs/walkthrough.md have a curl for every action. The local Qovery moves
one state every ${qoveryStepMs} ms (QOVERY_STANDIN_STEP_MS). Reset everything: stop, then rm -rf .local
Press Ctrl+C to stop.`);
}

async function handlersOnly() {
  try {
    loadConfig(process.env, sectionNames);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(
        `${error.message}\n\nFix .env (see .env.example), or remove HASURA_GRAPHQL_ENDPOINT to run the local stand-ins.`,
      );
      process.exit(1);
    }
    throw error;
  }
  const endpoint = process.env.HASURA_GRAPHQL_ENDPOINT ?? '';
  console.log(`Checking that Hasura answers at ${endpoint}…`);
  await checkHasura(endpoint, process.env.HASURA_GRAPHQL_ADMIN_SECRET);
  await assertPortsFree([
    {
      component: 'action handlers (serverless-offline)',
      variable: 'ACTIONS_PORT',
      port: actionsPort,
      host: startSetting('ACTIONS_HOST'),
    },
    { component: "serverless-offline's Lambda port", variable: 'ACTIONS_LAMBDA_PORT', port: lambdaPort },
  ]);
  console.log('Starting the handlers under serverless-offline (20–40 s the first time)…');
  const env = Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined),
  );
  await runUntilStopped(
    async () => {
      const offline = await startOffline({
        env,
        actionsPort,
        lambdaPort,
        onOutput: (c) => process.stdout.write(c),
      });
      console.log(
        `\nHandlers are served at http://${startSetting('ACTIONS_HOST')}:${actionsPort}/<action>, against ${process.env.HASURA_GRAPHQL_ENDPOINT}.`,
      );
      return { close: () => stopProcess(offline) };
    },
    { onStopping: stopping },
  );
}

main().catch((error: unknown) => {
  // StartError: a problem we explain (port taken, second stack, Hasura not answering).
  console.error(error instanceof StartError || error instanceof Error ? error.message : error);
  process.exit(1);
});
