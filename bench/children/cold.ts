/**
 * One cold start: a fresh `node` process loads one bundle and serves one invocation, then writes
 * one JSON line on fd 3 and exits. Usage: node cold.js <bundle.mjs> [<secrets candidate.mjs> <NAME,NAME...>]
 * The in-memory upstreams are installed first in every run, baseline included, so they cost
 * the same on both sides of the comparison.
 */
import { writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { resolveRuntimeModules } from '../lib/runtime-modules';
import { installFakeUpstreams } from '../upstream/install';
import { actionEvent, lambdaContext } from '../upstream/lambda-event';

type Handler = (event: unknown, context: unknown) => Promise<{ statusCode?: number; body?: string }>;

type Read = (names: readonly string[]) => Promise<Record<string, string | undefined>>;

async function main() {
  resolveRuntimeModules();
  const [bundle = '', secrets, names = ''] = process.argv.slice(2);
  const { scenario, upstreams } = installFakeUpstreams();
  // Part 6: a candidate's way of reading the secrets first, then the function on what it read.
  if (secrets) {
    const { read } = (await import(pathToFileURL(secrets).href)) as { read: Read };
    for (const [name, value] of Object.entries(await read(names.split(','))))
      if (value !== undefined) process.env[name] = value;
  }
  const event = actionEvent(scenario);
  const context = lambdaContext();
  const beforeLoad = performance.now();
  const { handler } = (await import(pathToFileURL(bundle).href)) as { handler: Handler };
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
