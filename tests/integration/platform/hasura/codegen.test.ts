import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../../../../scripts/stack';

/**
 * lib/platform/hasura/generated.ts is what `npm run codegen` writes from the operations of
 * lib/platform/hasura/operations/ and the schema the Hasura stand-in builds from hasura-metadata/:
 * an operation or a migration changed without running it fails here. GraphQL Code Generator's
 * plugins are ESM underneath, which Jest's CommonJS cannot load: they run in tsx, as the script does.
 */

const TSX = join(ROOT, 'node_modules/.bin/tsx');
const run = promisify(execFile);

describe('npm run codegen', () => {
  it('has written lib/platform/hasura/generated.ts for the current operations and schema', async () => {
    const outcome = await run(TSX, ['scripts/codegen.ts', '--check'], { cwd: ROOT }).then(
      () => 'up to date',
      (error: { stderr: string }) => error.stderr.trim(),
    );
    expect(outcome).toBe('up to date');
  }, 120_000);

  it('would catch a change of the schema: a lost column fails generation, a new type changes the file', async () => {
    // The same generation, from the stand-in's schema as it is and with one column removed or retyped.
    const script = `
      const { generateHasuraDocuments, standInSchema } = require('./codegen');
      (async () => {
        const schema = await standInSchema();
        const same = await generateHasuraDocuments(schema);
        const retyped = await generateHasuraDocuments(schema.replace(/^(\\s*)qovery_mariadb_id: String$/gm, '$1qovery_mariadb_id: Int'));
        const lost = await generateHasuraDocuments(schema.replace(/^\\s*qovery_appwrite_id: String$/gm, ''))
          .then(() => 'generated', (error) => String(error));
        console.log(JSON.stringify({ deterministic: same === await generateHasuraDocuments(schema), retyped: retyped !== same, lost }));
      })();`;
    const { stdout } = await run(TSX, ['--eval', script], { cwd: ROOT });
    const outcome = JSON.parse(stdout) as { deterministic: boolean; retyped: boolean; lost: string };
    expect(outcome).toEqual({
      deterministic: true,
      retyped: true,
      lost: expect.stringContaining('qovery_appwrite_id'),
    });
  }, 120_000);
});
