/**
 * One cold start: a fresh `node` process loads one bundle and serves one invocation, then writes
 * one JSON line on fd 3 and exits. Usage: node cold.js <bundle.js>
 * The in-memory upstreams are installed first in every run, baseline included, so they cost
 * the same on both sides of the comparison.
 */
import { writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { installFakeUpstreams } from '../upstream/install';
import { actionEvent, lambdaContext } from '../upstream/lambda-event';

type Handler = (event: unknown, context: unknown) => Promise<{ statusCode?: number; body?: string }>;

async function main() {
  const bundle = process.argv[2] ?? '';
  const { scenario, upstreams } = installFakeUpstreams();
  const event = actionEvent(scenario);
  const context = lambdaContext();
  const beforeLoad = performance.now();
  const { handler } = createRequire(__filename)(bundle) as { handler: Handler };
  const loaded = performance.now();
  const response = await handler(event, context);
  const answered = performance.now();
  const line = JSON.stringify({
    status: response.statusCode,
    body: response.body,
    // performance.now() counts from the start of this process.
    bootMs: beforeLoad,
    loadMs: loaded - beforeLoad,
    invokeMs: answered - loaded,
    roundTrips: upstreams.roundTrips,
    unexpected: upstreams.unexpected,
  });
  writeSync(3, `${line}\n`);
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
