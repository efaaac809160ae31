/**
 * Warm overhead of one action: its deployed bundle and the bare hand-written handler (and, for
 * Signup/Signin, the bcrypt operation alone), invoked in turns in one process against the
 * instant in-memory upstreams. Writes every sample to <out.json>, then one line on fd 3.
 * Usage: node warm.js <bundle.js> <bare.js> <out.json> <iterations> <warmup>
 */
import { writeFileSync, writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { bare as Bare, bcryptOnly as BcryptOnly } from '../bare/handlers';
import type { RoundTrip } from '../upstream/fake-fetch';
import { installFakeUpstreams } from '../upstream/install';
import { actionEvent, lambdaContext } from '../upstream/lambda-event';
import { PASSWORD } from '../upstream/scenarios';

type Handler = (event: unknown, context: unknown) => Promise<{ statusCode?: number; body?: string }>;

async function main() {
  const [bundle = '', barePath = '', out = '', iterations = '1000', warmup = '100'] = process.argv.slice(2);
  const { scenario, upstreams } = installFakeUpstreams();
  const load = async (file: string) => (await import(pathToFileURL(file).href)) as unknown;
  const real = ((await load(bundle)) as { handler: Handler }).handler;
  const bareModule = (await load(barePath)) as { bare: typeof Bare; bcryptOnly: typeof BcryptOnly };
  const bare = bareModule.bare[scenario.action];
  if (!bare) throw new Error(`no bare handler for ${scenario.action}`);
  const bcryptOnly = bareModule.bcryptOnly[scenario.action];
  const hash = process.env.BENCH_PASSWORD_HASH ?? '';

  let n = 0;
  const invokeReal = () => real(actionEvent(scenario, `warm-${++n}`), lambdaContext(`warm-${n}`));
  const invokeBare = () => bare(actionEvent(scenario, `warm-${++n}`));

  // Both must succeed and make the same round trips (the same calls), or the comparison means nothing.
  const trips = async (invoke: () => Promise<{ statusCode?: number; body?: string }>) => {
    upstreams.reset();
    const answer = await invoke();
    if (answer.statusCode !== 200 || upstreams.unexpected.length > 0)
      throw new Error(`${scenario.action}: ${answer.statusCode} ${answer.body} ${upstreams.unexpected}`);
    // Sorted: calls made at the same time may be recorded in either order.
    return upstreams.roundTrips.map((trip: RoundTrip) => `${trip.upstream} ${trip.name}`).sort();
  };
  const realTrips = await trips(invokeReal);
  const bareTrips = await trips(invokeBare);
  if (JSON.stringify(realTrips) !== JSON.stringify(bareTrips))
    throw new Error(
      `${scenario.action}: the bare handler makes other round trips:\n${realTrips}\n${bareTrips}`,
    );

  const contenders: [string, () => Promise<unknown>][] = [
    ['handler', invokeReal],
    ['bare', invokeBare],
  ];
  if (bcryptOnly) contenders.push(['bcrypt', () => bcryptOnly(PASSWORD, hash)]);
  const samples: Record<string, number[]> = Object.fromEntries(contenders.map(([name]) => [name, []]));

  const total = Number(warmup) + Number(iterations);
  for (let i = 0; i < total; i++) {
    // Take turns, and change who goes first, so that GC and JIT hit every contender alike.
    const order = i % 2 === 0 ? contenders : [...contenders].reverse();
    for (const [name, run] of order) {
      const started = performance.now();
      await run();
      const elapsed = performance.now() - started;
      if (i >= Number(warmup)) samples[name]?.push(elapsed);
    }
  }
  writeFileSync(out, JSON.stringify({ samples, roundTrips: realTrips }));
  writeSync(3, '{"done":true}\n');
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
