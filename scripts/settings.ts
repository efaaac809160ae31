import { settingsOf } from '../lib/runtime/config';
import { parseCli } from './cli';
import { functionSections } from './settings-docs';

/**
 * `npm run settings -- --stage prod`: every setting the functions read, derived from the code as
 * `serverless package` does (plugins/settings-plugin.ts): which are secrets (and their SSM
 * parameter), which are plain, and which functions read each. Prints the commands that put the
 * secrets, values left for you to fill in.
 */

const USAGE = `Usage: npm run settings [-- --stage <stage>]

Lists every setting the functions read, derived from the code as \`serverless package\` does:
secret (with its SSM parameter) or plain, and which functions read it; then prints the
\`aws ssm put-parameter\` command of each secret, values left for you to type.
docs/configuration.md describes each setting (npm run docs).

Options:
  --stage <stage>   the stage whose SSM paths to print (default: dev)
  --help            this help

Example:
  npm run settings -- --stage prod`;

async function main() {
  const { values } = parseCli(
    USAGE,
    { stage: { type: 'string', default: 'dev' } },
    { command: 'npm run settings' },
  );
  const path = `/appwrite-cloud/${values.stage}/`;
  const functions = await functionSections();
  const users = new Map<string, { secret: boolean; functions: string[] }>();
  for (const [name, sections] of functions) {
    for (const setting of settingsOf(sections)) {
      const entry = users.get(setting.name) ?? { secret: setting.secret, functions: [] };
      entry.functions.push(name);
      users.set(setting.name, entry);
    }
  }
  const all = functions.size;
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
