/**
 * Starts the local Qovery stand-in (see README.md) and prints its URL on stdout.
 *
 *   QOVERY_API_TOKEN=dev-token QOVERY_PROJECT_ID=<uuid> QOVERY_STANDIN_PORT=4010 tsx sandbox/qovery/main.ts
 *
 * QOVERY_STANDIN_STEP_MS (default 1500) sets the time per state transition; QOVERY_STANDIN_RATE_LIMIT
 * (e.g. 1000/3600, Qovery's; default off) the budget of calls per token per window of seconds.
 */
import { randomUUID } from 'node:crypto';
import { DEFAULT_STEP_MS } from './context';
import { parseRateLimit, startQoveryStandIn } from './standin';

async function main(): Promise<void> {
  const token = process.env.QOVERY_API_TOKEN?.trim();
  if (!token) {
    process.stderr.write('QOVERY_API_TOKEN is required (the token callers must send).\n');
    process.exit(1);
  }
  const port = Number(process.env.QOVERY_STANDIN_PORT ?? 0);
  const stepMs = Number(process.env.QOVERY_STANDIN_STEP_MS ?? DEFAULT_STEP_MS);
  if (!Number.isInteger(port) || port < 0 || port > 65535 || !Number.isFinite(stepMs) || stepMs < 0) {
    process.stderr.write(
      'QOVERY_STANDIN_PORT must be a port number and QOVERY_STANDIN_STEP_MS a duration in ms.\n',
    );
    process.exit(1);
  }
  const projectId = process.env.QOVERY_PROJECT_ID?.trim() || randomUUID();
  const rateLimit = parseRateLimit(process.env.QOVERY_STANDIN_RATE_LIMIT);
  const standIn = await startQoveryStandIn({
    port,
    token,
    stepMs,
    projectIds: [projectId],
    ...(rateLimit ? { rateLimit } : {}),
  });
  process.stdout.write(`${standIn.url}\n`);
  process.stderr.write(`Qovery stand-in (local only) on ${standIn.url}, project ${projectId}\n`);
  const stop = () => {
    void standIn.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `Qovery stand-in failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
