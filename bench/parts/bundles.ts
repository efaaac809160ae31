import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Metafile } from 'esbuild';
import { compile } from '../lib/compile';
import { buildLikeServerless, type EsmBuild, loadedAtColdStart } from '../lib/esm';
import { ROOT } from '../lib/paths';
import { esbuildOptions, type FunctionSpec, functionSpecs } from '../lib/serverless-config';
import { typecheckFunctions } from '../lib/typecheck';
import { readZip } from '../lib/zip';
import { FUNCTION_ENV } from '../upstream/scenarios';

/**
 * Part 1 — bundle size of every function as deployed: `serverless package` (serverless-esbuild,
 * with the options of serverless.yml) on a snapshot of the project, each function's JS read from
 * its zip: an ES module entry and chunks; what a cold start loads is the entry and the chunks it
 * imports statically (bench/lib/esm.ts), the rest of its chunks load on first use. Beside it, a
 * baseline bundle holding only a handler that returns a constant, built with the same options.
 */

export interface Size {
  minified: number;
  gzip: number;
}

export interface FunctionBundle extends Size {
  fn: FunctionSpec;
  /** The function's own chunks loaded only on first use (the SMTP transport...), in the direct build. */
  lazy: number;
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
  /** Signup built two ways, to show what ES modules with code splitting buy. */
  variants: { label: string; size: Size; lazy: number }[];
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
  const direct = new Map<string, EsmBuild>();
  for (const fn of specs) direct.set(fn.name, await buildLikeServerless(fn.entry));

  const packaged = await packageSnapshot(work.path('snapshot'));
  const functions = specs.map((fn): FunctionBundle => {
    const own = direct.get(fn.name) as EsmBuild;
    const folder = posix.dirname(fn.bundlePath);
    const zipFile = packaged.ok ? join(packaged.dir, '.serverless', `${fn.name}.zip`) : undefined;
    const files = zipFile
      ? readZip(zipFile)
      : new Map([...own.files].map(([path, bytes]) => [posix.join(folder, path), bytes] as const));
    if (!files.has(fn.bundlePath)) throw new Error(`${zipFile} has no ${fn.bundlePath}`);
    const loaded = loadedAtColdStart(files, fn.bundlePath);
    // Every module of the zip where the children load it, chunks beside their entry.
    for (const [path, bytes] of files)
      if (path.endsWith('.mjs')) {
        mkdirSync(dirname(work.path('bundles', fn.name, path)), { recursive: true });
        writeFileSync(work.path('bundles', fn.name, path), bytes);
      }
    const bytes = Buffer.concat(loaded.map((path) => files.get(path) as Uint8Array));
    const ownLoaded = loadedAtColdStart(own.files, own.entry);
    return {
      fn,
      ...sizeOf(bytes),
      lazy: lazyBytes(own, ownLoaded),
      zip: zipFile ? statSync(zipFile).size : Number.NaN,
      file: work.path('bundles', fn.name, fn.bundlePath),
      matchesDirectBuild:
        loaded.length === ownLoaded.length &&
        loaded.every((path) => {
          const mine = own.files.get(posix.relative(folder, path));
          return mine !== undefined && Buffer.compare(Buffer.from(mine), files.get(path) as Uint8Array) === 0;
        }),
      contributors: contributors(own.metafile, ownLoaded),
    };
  });

  const baselineFile = await compile('bench/baselines/constant.ts', work.path('baselines', 'constant.js'), {
    deployed: true,
  });
  const baseline = { ...sizeOf(readFileSync(baselineFile)), file: baselineFile };

  const signup = specs.find((fn) => fn.name === 'signup') ?? (specs[0] as FunctionSpec);
  const { splitting: _splitting, outExtension: _extension, ...options } = esbuildOptions();
  const variants = [];
  for (const [label, built] of [
    [
      'CommonJS, one file (as before)',
      await buildLikeServerless(signup.entry, { ...options, format: 'cjs' }),
    ],
    ['ES modules with code splitting (serverless.yml)', direct.get(signup.name) as EsmBuild],
  ] as [string, EsmBuild][]) {
    const loaded = loadedAtColdStart(built.files, built.entry);
    const size = sizeOf(Buffer.concat(loaded.map((path) => built.files.get(path) as Uint8Array)));
    variants.push({ label, size, lazy: lazyBytes(built, loaded) });
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

/** Bytes of a build's files that a cold start does not load. */
function lazyBytes(built: EsmBuild, loaded: readonly string[]): number {
  return [...built.files]
    .filter(([path]) => !loaded.includes(path))
    .reduce((sum, [, bytes]) => sum + bytes.length, 0);
}

/** Bytes per package or source folder in the files a cold start loads. */
function contributors(metafile: Metafile, loaded: readonly string[]): [string, number][] {
  const totals = new Map<string, number>();
  for (const [file, output] of Object.entries(metafile.outputs)) {
    if (!loaded.some((name) => file.endsWith(`/${name}`))) continue;
    for (const [path, input] of Object.entries(output.inputs)) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1];
      const key = pkg ?? dirname(path);
      totals.set(key, (totals.get(key) ?? 0) + input.bytesInOutput);
    }
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
