import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GENERATED, generateHasuraDocuments, standInSchema } from '../codegen';
import { parseCli } from './cli';
import { ROOT } from './stack';

/**
 * `npm run codegen`: after changing an operation of lib/platform/hasura/operations/ or the schema
 * (hasura-metadata/), writes lib/platform/hasura/generated.ts again (see codegen.ts).
 * `npm run codegen -- --check` writes nothing and fails when the file is out of date
 * (tests/integration/platform/hasura/codegen.test.ts runs it).
 */
const USAGE = `Usage: npm run codegen [-- --check]

Writes lib/platform/hasura/generated.ts (typed documents) from the operations of
lib/platform/hasura/operations/ and the schema the Hasura stand-in builds from hasura-metadata/.
Run it after changing an operation or a migration.

Options:
  --check   write nothing; exit 1 when the file is out of date
  --help    this help

Example:
  npm run codegen -- --check`;

async function main() {
  const { values } = parseCli(
    USAGE,
    { check: { type: 'boolean', default: false } },
    { command: 'npm run codegen' },
  );
  const path = join(ROOT, GENERATED);
  const generated = await generateHasuraDocuments(await standInSchema());
  if (!values.check) {
    writeFileSync(path, generated);
    console.log(`wrote ${GENERATED}`);
  } else if (readFileSync(path, 'utf8') !== generated) {
    console.error(`${GENERATED} is out of date with the operations or the schema: run npm run codegen`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
