/**
 * One cold secrets read: a fresh `node` loads one candidate's bundle and reads the secrets once,
 * then writes one JSON line on fd 3. Usage: node secrets.js <bundle.js> <NAME,NAME...>
 */
import { writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { resolveRuntimeModules } from '../lib/runtime-modules';

type Read = (names: readonly string[]) => Promise<Record<string, string | undefined>>;

async function main() {
  resolveRuntimeModules();
  const [bundle = '', names = ''] = process.argv.slice(2);
  const beforeLoad = performance.now();
  const { read } = (await import(pathToFileURL(bundle).href)) as { read: Read };
  const loaded = performance.now();
  const values = await read(names.split(','));
  const done = performance.now();
  writeSync(
    3,
    `${JSON.stringify({ loadMs: loaded - beforeLoad, readMs: done - loaded, values: Object.keys(values).filter((k) => values[k]) })}\n`,
  );
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
