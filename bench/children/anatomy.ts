/**
 * What a fresh Node process pays the first time it uses what the functions use and the baseline
 * does not, one after the other in this order. One JSON line on fd 3 (milliseconds).
 */
import { writeSync } from 'node:fs';
import { createRequire } from 'node:module';

async function main() {
  const load = createRequire(__filename);
  const times: Record<string, number> = {};
  const time = async (name: string, run: () => unknown) => {
    const started = performance.now();
    await run();
    times[name] = performance.now() - started;
  };
  await time('node:crypto', () => load('node:crypto'));
  await time('node:stream/web (middy imports it)', () => load('node:stream/web'));
  // What the functions' client (lib/platform/http) loads, then what Node's fetch would have.
  await time('node:http (the functions’ HTTP client)', () => load('node:http'));
  await time('node:https and node:tls, after node:http', () => load('node:https'));
  await time(
    "Node's fetch: first Headers (loads undici; the functions no longer do)",
    () => new Headers({ accept: 'application/json' }),
  );
  await time('first Response and body read', () => new Response('{"data":{}}').text());
  await time('first AbortSignal.timeout', () => AbortSignal.timeout(1000));
  await time('WebCrypto: first HMAC sign (what jose does)', async () => {
    const key = await crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode('k'.repeat(32)),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    await crypto.subtle.sign('HMAC', key, new TextEncoder().encode('payload'));
  });
  writeSync(3, `${JSON.stringify(times)}\n`);
  process.exit(0);
}

void main();
