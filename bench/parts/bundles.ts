import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { compile } from '../lib/compile';
import { ROOT } from '../lib/paths';
import { esbuildOptions, type FunctionSpec, functionSpecs } from '../lib/serverless-config';
import { typecheckFunctions } from '../lib/typecheck';
import { readZip } from '../lib/zip';
import { FUNCTION_ENV } from '../upstream/scenarios';

/**
 * Part 1 — bundle size of every function as deployed: `serverless package` (serverless-esbuild,
 * with the options of serverless.yml) on a snapshot of the project, each function's JS read from
 * its zip. Beside it, a baseline bundle holding only a handler that returns a constant, built
 * with the same esbuild options.
 */

export interface Size {
  minified: number;
  gzip: number;
}

export interface FunctionBundle extends Size {
  fn: FunctionSpec;
  /** Size of the deployment zip. */
  zip: number;
  /** Where the bench extracted the JS (what parts 2 and 3 load). */
  file: string;
  /** Same bytes as esbuild called directly with the options read from serverless.yml? */
  matchesDirectBuild: boolean;
  /** Largest contributors, by package or source folder. */
  contributors: [string, number][];
}

export interface BundlesResult {
  /** Type errors in the deployed code at the time of the run (the bench goes on: esbuild does not type-check). */
  typeErrors?: string;
  source: 'serverless package' | 'esbuild with the options of serverless.yml';
  note?: string;
  packageSeconds?: number;
  functions: FunctionBundle[];
  baseline: Size & { file: string };
  /** Signin built three ways, to show what the esbuild settings buy. */
  variants: { label: string; size: Size; graphql: number }[];
}

const PACKAGE_TIMEOUT_MS = 120_000;

const sizeOf = (bytes: Uint8Array): Size => ({ minified: bytes.length, gzip: gzipSync(bytes).length });

export async function measureBundles(work: { path: (...parts: string[]) => string }): Promise<BundlesResult> {
  const specs = functionSpecs();
  const typecheck = await typecheckFunctions(
    specs.map((fn) => fn.entry),
    work.path('tsconfig.json'),
  );
  // A build error makes serverless-esbuild wait forever: build every entry directly first.
  const direct = new Map<string, { bytes: Uint8Array; metafile: Metafile }>();
  for (const fn of specs) direct.set(fn.name, await buildDirect(fn.entry, esbuildOptions()));

  const packaged = await packageSnapshot(work.path('snapshot'));
  const functions = specs.map((fn): FunctionBundle => {
    const own = direct.get(fn.name) as { bytes: Uint8Array; metafile: Metafile };
    const zipFile = packaged.ok ? join(packaged.dir, '.serverless', `${fn.name}.zip`) : undefined;
    const bytes = zipFile ? readZip(zipFile).get(fn.bundlePath) : own.bytes;
    if (!bytes) throw new Error(`${zipFile} has no ${fn.bundlePath}`);
    const file = work.path('bundles', `${fn.name}.js`);
    writeFileSync(file, bytes);
    return {
      fn,
      ...sizeOf(bytes),
      zip: zipFile ? statSync(zipFile).size : Number.NaN,
      file,
      matchesDirectBuild: Buffer.compare(Buffer.from(bytes), Buffer.from(own.bytes)) === 0,
      contributors: contributors(own.metafile),
    };
  });

  const baselineFile = await compile('bench/baselines/constant.ts', work.path('baselines', 'constant.js'), {
    deployed: true,
  });
  const baseline = { ...sizeOf(readFileSync(baselineFile)), file: baselineFile };

  const signin = specs.find((fn) => fn.name === 'signin') ?? (specs[0] as FunctionSpec);
  const { alias: _alias, ...withoutAlias } = esbuildOptions();
  const variants = [];
  for (const [label, options] of [
    ['no alias, default mainFields (graphql resolves to its CommonJS build)', withoutAlias],
    [
      "no alias, mainFields: ['module', 'main'] (graphql tree-shaken)",
      { ...withoutAlias, mainFields: ['module', 'main'] },
    ],
    ['serverless.yml as it is', esbuildOptions()],
  ] as [string, BuildOptions][]) {
    const { bytes, metafile } = await buildDirect(signin.entry, options);
    variants.push({
      label,
      size: sizeOf(bytes),
      graphql: bytesOf(metafile, (path) => /node_modules\/graphql\//.test(path)),
    });
  }

  return {
    typeErrors: typecheck.ok ? undefined : typecheck.output.split('\n').slice(0, 10).join('\n'),
    source: packaged.ok ? 'serverless package' : 'esbuild with the options of serverless.yml',
    note: packaged.ok ? undefined : packaged.reason,
    packageSeconds: packaged.seconds,
    functions,
    baseline,
    variants,
  };
}

async function buildDirect(entry: string, options: BuildOptions) {
  const result = await build({
    ...options,
    entryPoints: [entry],
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const output = result.outputFiles?.[0];
  if (!output) throw new Error(`esbuild produced nothing for ${entry}`);
  return { bytes: output.contents, metafile: result.metafile as Metafile };
}

function bytesOf(metafile: Metafile, match: (path: string) => boolean): number {
  const output = Object.values(metafile.outputs)[0];
  return Object.entries(output?.inputs ?? {})
    .filter(([path]) => match(path))
    .reduce((sum, [, input]) => sum + input.bytesInOutput, 0);
}

function contributors(metafile: Metafile): [string, number][] {
  const output = Object.values(metafile.outputs)[0];
  const totals = new Map<string, number>();
  for (const [path, input] of Object.entries(output?.inputs ?? {})) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1];
    const key = pkg ?? dirname(path);
    totals.set(key, (totals.get(key) ?? 0) + input.bytesInOutput);
  }
  return [...totals].sort((a, b) => b[1] - a[1]).slice(0, 6);
}

/**
 * Runs `serverless package` in a copy of the files it needs (node_modules linked), so that its
 * .esbuild/ and .serverless/ folders never collide with someone's `serverless offline` in the
 * work tree. Killed after two minutes (serverless-esbuild can hang after a build error).
 */
async function packageSnapshot(
  dir: string,
): Promise<{ ok: true; dir: string; seconds: number } | { ok: false; reason: string; seconds?: number }> {
  mkdirSync(dir, { recursive: true });
  for (const name of [
    'functions',
    'lib',
    'plugins',
    'stages',
    'serverless.yml',
    'package.json',
    'package-lock.json',
    'tsconfig.json',
  ]) {
    if (existsSync(join(ROOT, name))) cpSync(join(ROOT, name), join(dir, name), { recursive: true });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const started = performance.now();
  const cli = join(ROOT, 'node_modules', 'serverless', 'bin', 'serverless.js');
  const child = spawn(process.execPath, [cli, 'package'], {
    cwd: dir,
    // The plain settings the package step validates (plugins/settings-plugin.ts): the bench's own.
    env: { ...process.env, ...FUNCTION_ENV, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const code = await new Promise<number | 'timeout'>((resolve) => {
    const timer = setTimeout(() => {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
      resolve('timeout');
    }, PACKAGE_TIMEOUT_MS);
    child.on('close', (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode ?? 1);
    });
  });
  const seconds = (performance.now() - started) / 1000;
  if (code === 0) return { ok: true, dir, seconds };
  const reason =
    code === 'timeout'
      ? `serverless package did not finish within ${PACKAGE_TIMEOUT_MS / 1000} s and was stopped`
      : `serverless package failed (exit ${code}): ${output.trim().split('\n').slice(-5).join(' / ')}`;
  return { ok: false, reason, seconds };
}
