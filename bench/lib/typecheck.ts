import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './paths';

/**
 * Type-checks what is deployed — the functions and everything they import — with the project's
 * tsconfig, before anything is built. Tests and tools being edited by others are left out.
 */
export function typecheckFunctions(
  entries: readonly string[],
  configFile: string,
): Promise<{ ok: boolean; output: string }> {
  writeFileSync(
    configFile,
    JSON.stringify({
      extends: join(ROOT, 'tsconfig.json'),
      compilerOptions: { typeRoots: [join(ROOT, 'node_modules', '@types')], types: ['node'], noEmit: true },
      include: [],
      files: entries.map((entry) => join(ROOT, entry)),
    }),
  );
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  return new Promise((resolve) => {
    execFile(process.execPath, [tsc, '-p', configFile], { timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ ok: error === null, output: `${stdout}${stderr}`.trim() });
    });
  });
}
