/**
 * Mutation testing of the core modules with StrykerJS: `npm run test:mutation [-- options]`.
 *
 * Each module is mutated on its own, against only the test files that exercise it (so a mutant is
 * judged by the tests that claim its behaviour, and a run stays minutes, not hours), with the Jest
 * runner and per-test coverage. Reports go to reports/mutation/<module>/ (git-ignored), and a table
 * of the scores is printed at the end (and written to reports/mutation/summary.md). TESTING.md
 * holds the scores of the last full run. Not part of `npm test`: tens of minutes on 2 cores.
 *
 * Adding a module is one line in `modules` below.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { LogLevel, MutantResult, PartialStrykerOptions } from '@stryker-mutator/api/core';
import { cliError, parseCli } from './cli';

interface Module {
  /** The files mutated together. */
  mutate: string[];
  /** The test files that exercise them (those under tests/integration start stand-ins: slower). */
  tests: string[];
  /** The lowest mutation score (%) the module must keep. */
  target: number;
}

// biome-ignore format: one module per line, so that adding one is a one-line change.
const modules: Record<string, Module> = {
  errors: { mutate: ['lib/basics/errors.ts'], tests: ['tests/unit/basics/errors.test.ts', 'tests/unit/action/middlewares/hasura-errors.test.ts'], target: 90 },
  passwords: { mutate: ['lib/accounts/passwords.ts'], tests: ['tests/unit/accounts/passwords.test.ts'], target: 90 },
  tokens: { mutate: ['lib/accounts/tokens.ts'], tests: ['tests/unit/accounts/tokens.test.ts'], target: 90 },
  tickets: { mutate: ['lib/accounts/tickets.ts'], tests: ['tests/unit/accounts/tickets.test.ts', 'tests/unit/accounts/mailbox.test.ts'], target: 90 },
  mailbox: { mutate: ['lib/accounts/mailbox.ts'], tests: ['tests/unit/accounts/mailbox.test.ts'], target: 85 },
  'rate-limit': { mutate: ['lib/action/rate-limit.ts'], tests: ['tests/unit/action/rate-limit.test.ts', 'tests/unit/action/middlewares/rate-limits.test.ts', 'tests/integration/action/rate-limit.test.ts'], target: 90 },
  secret: { mutate: ['lib/action/secret.ts'], tests: ['tests/unit/action/secret.test.ts', 'tests/unit/action/authorizer.test.ts'], target: 85 },
  budget: { mutate: ['lib/instances/budget.ts', 'lib/instances/budget-store.ts'], tests: ['tests/unit/instances/budget.test.ts'], target: 85 },
  captcha: { mutate: ['lib/platform/captcha/index.ts'], tests: ['tests/unit/platform/captcha.test.ts', 'tests/unit/action/middlewares/captcha.test.ts', 'tests/integration/platform/captcha.test.ts'], target: 85 },
  // Its tables are module-level values, whose mutants run every test given: the unit tests, not the 50-s stand-in suite.
  lifecycle: { mutate: ['lib/instances/lifecycle.ts'], tests: ['tests/unit/instances/lifecycle.test.ts'], target: 90 },
  // The launch-day queue, in three parts so that each runs on its own unit tests (its integration suite starts Hasura and Qovery stand-ins).
  'queue-store': { mutate: ['lib/instances/queue/store.ts', 'lib/instances/queue/costs.ts'], tests: ['tests/unit/instances/queue/store.test.ts'], target: 85 },
  'queue-tasks': { mutate: ['lib/instances/queue/run-task.ts', 'lib/instances/queue/create.ts', 'lib/instances/queue/start.ts', 'lib/instances/queue/stop.ts', 'lib/instances/queue/delete.ts', 'lib/instances/queue/environment.ts', 'lib/instances/queue/find.ts'], tests: ['tests/unit/instances/queue/tasks.test.ts', 'tests/unit/instances/queue/run-task.test.ts'], target: 85 },
  'queue-worker': { mutate: ['lib/instances/queue/submit.ts', 'lib/instances/queue/worker.ts'], tests: ['tests/unit/instances/queue/worker.test.ts'], target: 85 },
  // Custom domains: the actions (names, add, remove, primary and what they share), then the reconciler's checks.
  domains: { mutate: ['lib/instances/domains/names.ts', 'lib/instances/domains/shared.ts', 'lib/instances/domains/qovery.ts', 'lib/instances/domains/add.ts', 'lib/instances/domains/remove.ts', 'lib/instances/domains/primary.ts', 'lib/instances/domains/index.ts', 'lib/instances/domains/settings.ts'], tests: ['tests/unit/instances/domains/names.test.ts', 'tests/unit/instances/domains/actions.test.ts'], target: 85 },
  'domains-check': { mutate: ['lib/instances/domains/check.ts', 'lib/instances/reconciler/domains.ts'], tests: ['tests/unit/instances/domains/check.test.ts'], target: 85 },
};

const REPORTS = 'reports/mutation';

const usage = `Usage: npm run test:mutation [-- options]

Mutation testing (StrykerJS, Jest runner, per-test coverage) of the core modules, one at a time,
each against the test files that exercise it. Reports: ${REPORTS}/<module>/ (HTML and JSON),
and a summary table (printed, and ${REPORTS}/summary.md). Exits 1 when a module is under its target.

Options:
  --module <name>     run this module only (repeat for several): ${Object.keys(modules).join(', ')}
  --concurrency <n>   test runner processes (default 2, for 2 cores; 1 on a busy machine)
  --list              print the modules, their files and tests, and exit
  --help              print this and exit

Example:
  npm run test:mutation -- --module tokens --concurrency 1`;

interface Row {
  name: string;
  mutants: number;
  killed: number;
  timeout: number;
  survived: number;
  noCoverage: number;
  invalid: number;
  ignored: number;
  score: number;
  target: number;
  seconds: number;
}

function tally(name: string, module: Module, results: readonly MutantResult[], seconds: number): Row {
  const count = (...statuses: MutantResult['status'][]) =>
    results.filter((result) => statuses.includes(result.status)).length;
  const killed = count('Killed');
  const timeout = count('Timeout');
  const survived = count('Survived');
  const noCoverage = count('NoCoverage');
  // Stryker's own score: detected / valid mutants (those that compile and load).
  const valid = killed + timeout + survived + noCoverage;
  return {
    name,
    mutants: results.length,
    killed,
    timeout,
    survived,
    noCoverage,
    invalid: count('CompileError', 'RuntimeError'),
    // Documented as equivalent where they live (`// Stryker disable next-line …`).
    ignored: count('Ignored'),
    score: valid === 0 ? 100 : (100 * (killed + timeout)) / valid,
    target: module.target,
    seconds,
  };
}

function table(rows: readonly Row[]): string {
  const lines = [
    '| Module | Files | Mutants | Killed | Timeout | Survived | No coverage | Invalid | Ignored | Score | Target | Time |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const row of rows) {
    const files = modules[row.name]?.mutate.map((file) => `\`${file}\``).join(', ');
    const met = row.score >= row.target ? '✅' : '❌';
    lines.push(
      `| ${row.name} | ${files} | ${row.mutants} | ${row.killed} | ${row.timeout} | ${row.survived} | ${row.noCoverage} | ${row.invalid} | ${row.ignored} | ${row.score.toFixed(1)}% | ${row.target}% ${met} | ${Math.round(row.seconds)} s |`,
    );
  }
  return lines.join('\n');
}

async function mutationTest(name: string, module: Module, concurrency: number): Promise<Row> {
  const dir = join(REPORTS, name);
  const options: PartialStrykerOptions = {
    mutate: module.mutate,
    testRunner: 'jest',
    jest: {
      projectType: 'custom',
      configFile: 'jest.config.js',
      // Only the module's own tests: <rootDir> is the sandbox Stryker copies the project to.
      config: {
        testMatch: module.tests.map((test) => `<rootDir>/${test}`),
        // The sandbox has no node_modules of its own (ours may be a symlink, which Stryker does not
        // link again): point jest.config.js's mapping at the project's.
        moduleNameMapper: { '^@middy/(core|util)$': resolve('node_modules/@middy/$1/index.js') },
      },
      enableFindRelatedTests: false,
    },
    coverageAnalysis: 'perTest',
    concurrency,
    // Tests that start stand-ins take seconds; a mutant that hangs one is a timeout (detected).
    timeoutMS: 20000,
    reporters: ['html', 'json', 'clear-text', 'progress'],
    htmlReporter: { fileName: join(dir, 'index.html') },
    jsonReporter: { fileName: join(dir, 'report.json') },
    clearTextReporter: { reportTests: false, logTests: false, allowEmojis: false },
    tempDirName: '.stryker-tmp',
    cleanTempDir: true,
    // What the sandbox needs: sources, tests, stand-ins and configuration; not docs or builds.
    ignorePatterns: [
      '/docs',
      '/bench',
      '/reports',
      '/.serverless',
      '/.esbuild',
      '/.build',
      '/.local',
      '/coverage',
    ],
    logLevel: 'info' as LogLevel,
    fileLogLevel: 'off' as LogLevel,
  };
  // Stryker is ESM only, with ESM-only dependencies: imported, never required (this script is CommonJS).
  const { Stryker } = await import('@stryker-mutator/core');
  const started = performance.now();
  const results = await new Stryker(options).runMutationTest();
  return tally(name, module, results, (performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  const { values } = parseCli(
    usage,
    {
      module: { type: 'string', multiple: true },
      concurrency: { type: 'string', default: '2' },
      list: { type: 'boolean', default: false },
    },
    { command: 'npm run test:mutation' },
  );
  if (values.list) {
    for (const [name, module] of Object.entries(modules))
      console.log(
        `${name} (target ${module.target}%)\n  mutates ${module.mutate.join(', ')}\n  tests   ${module.tests.join('\n          ')}`,
      );
    return;
  }
  const names = values.module ?? Object.keys(modules);
  const unknown = names.filter((name) => !(name in modules));
  if (unknown.length > 0)
    cliError(`unknown module(s) ${unknown.join(', ')} (known: ${Object.keys(modules).join(', ')})`);
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) cliError('--concurrency must be a positive integer');

  mkdirSync(REPORTS, { recursive: true });
  const rows: Row[] = [];
  const failed: string[] = [];
  for (const name of names) {
    const module = modules[name] as Module;
    console.log(`\n== ${name}: ${module.mutate.join(', ')} against ${module.tests.length} test file(s)`);
    try {
      rows.push(await mutationTest(name, module, concurrency));
    } catch (error) {
      // One module's failed run (its tests fail without any mutant, say) does not stop the others.
      console.error(`${name}: ${error instanceof Error ? error.message : error}`);
      failed.push(name);
    }
  }
  const failures = failed.length > 0 ? `\nNo score (the run failed): ${failed.join(', ')}\n` : '';
  const summary = `${table(rows)}\n${failures}\nnpm run test:mutation -- ${process.argv.slice(2).join(' ')} (Node ${process.version}, concurrency ${concurrency}), ${new Date().toISOString()}\n`;
  writeFileSync(join(REPORTS, 'summary.md'), summary);
  console.log(`\n${summary}`);
  if (failed.length > 0 || rows.some((row) => row.score < row.target)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
