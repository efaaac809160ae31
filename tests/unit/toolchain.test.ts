import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

/**
 * Lambda runs `nodejs24.x`; the tests must run on that Node too, whatever Node the machine has.
 * `npm test` gets it from the `node-<os>-<cpu>` package in optionalDependencies, whose `node` bin
 * npm puts first on the PATH of every script.
 */
const ROOT = resolve(__dirname, '../..');
const read = (file: string) => readFileSync(resolve(ROOT, file), 'utf8');
const major = (version: string) => Number(/(\d+)/.exec(version)?.[1]);

const serverless = parseYaml(read('serverless.yml')) as {
  provider: { runtime: string };
  custom: { esbuild: { target: string } };
};
const pkg = JSON.parse(read('package.json')) as {
  engines: { node: string };
  optionalDependencies: Record<string, string>;
};
const lambdaMajor = major(serverless.provider.runtime);

describe('toolchain', () => {
  it('deploys to a Lambda runtime that is not end-of-life', () => {
    expect(serverless.provider.runtime).toBe('nodejs24.x');
  });

  it('runs the tests on the Node major Lambda runs', () => {
    expect(major(process.versions.node)).toBe(lambdaMajor);
  });

  it('builds for, pins and requires that same major everywhere', () => {
    expect(serverless.custom.esbuild.target).toBe(`node${lambdaMajor}`);
    expect(major(read('.nvmrc'))).toBe(lambdaMajor);
    expect(pkg.engines.node).toBe(`>=${lambdaMajor}`);
    for (const [name, range] of Object.entries(pkg.optionalDependencies)) {
      if (name.startsWith('node-')) expect(`${name}@${major(range)}`).toBe(`${name}@${lambdaMajor}`);
    }
  });
});
