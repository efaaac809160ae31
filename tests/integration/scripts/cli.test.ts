import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../../../scripts/stack';

/**
 * Every command of package.json and scripts/ answers `--help` with its usage (exit 0) and an
 * unknown option with a short error that points at --help (exit 2), never a stack trace
 * (scripts/cli.ts). Each runs in tsx, as npm runs it; nothing starts: both exit before any work.
 */

const TSX = join(ROOT, 'node_modules/.bin/tsx');
const SCRIPTS = [
  'scripts/start.ts',
  'scripts/settings.ts',
  'scripts/docs.ts',
  'scripts/codegen.ts',
  'scripts/upgrade.ts',
  'scripts/template.ts',
  'scripts/mutation.ts',
  'scripts/appwrite-inventory.ts',
  'bench/run.ts',
];

function run(script: string, arg: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(TSX, [script, arg], { cwd: ROOT, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe.each(SCRIPTS)('%s', (script) => {
  it.concurrent('--help prints the usage and exits 0', async () => {
    const { code, stdout } = await run(script, '--help');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage/m);
  }, 60_000);

  it.concurrent('--bogus says what is wrong, points at --help, exits 2: no stack trace', async () => {
    const { code, stderr } = await run(script, '--bogus');
    expect(code).toBe(2);
    expect(stderr).toContain("'--bogus'");
    expect(stderr).toMatch(/--help/);
    expect(stderr).not.toMatch(/^\s+at /m);
  }, 60_000);
});
