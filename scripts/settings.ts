import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { type Section, settingsOf } from '../lib/runtime/config';
import { ROOT } from './stack';

/**
 * `npm run settings -- --stage prod`: every setting the functions read, derived from the code as
 * `serverless package` does (plugins/settings-plugin.ts): which are secrets (and their SSM
 * parameter), which are plain, and which functions read each. Prints the commands that put the
 * secrets, values left for you to fill in.
 */

// The plugin's loader bundles each function module with esbuild (middy is ESM-only).
const { loadSections } = require('../plugins/settings.js') as {
  loadSections: (file: string) => Promise<readonly Section[]>;
};

async function main() {
  const { values } = parseArgs({ options: { stage: { type: 'string', default: 'dev' } } });
  const path = `/appwrite-cloud/${values.stage}/`;
  const functions = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')).functions as Record<
    string,
    { handler: string }
  >;
  const users = new Map<string, { secret: boolean; functions: string[] }>();
  for (const [name, { handler }] of Object.entries(functions)) {
    const sections = await loadSections(join(ROOT, handler.replace(/\.[^./]+$/, '')));
    for (const setting of settingsOf(sections)) {
      const entry = users.get(setting.name) ?? { secret: setting.secret, functions: [] };
      entry.functions.push(name);
      users.set(setting.name, entry);
    }
  }
  const all = Object.keys(functions).length;
  const rows = [...users.entries()].map(([name, { secret, functions: fns }]): [string, string, string] => [
    name,
    secret
      ? `secret: SSM ${path}${name}`
      : name === 'POWERTOOLS_METRICS_NAMESPACE'
        ? 'plain, set by the deploy'
        : 'plain',
    fns.length === all ? 'all' : fns.join(', '),
  ]);
  console.log(`Settings of stage "${values.stage}" (${all} functions):\n`);
  for (const [name, kind, fns] of rows) console.log(`${name.padEnd(32)} ${kind.padEnd(58)} ${fns}`);
  console.log(
    '\nPut each secret once (SecureString, account key aws/ssm; `read -rs` keeps it out of the shell history):\n',
  );
  for (const [name, { secret }] of users)
    if (secret)
      console.log(
        `read -rs V && aws ssm put-parameter --type SecureString --name ${path}${name} --value "$V"`,
      );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
