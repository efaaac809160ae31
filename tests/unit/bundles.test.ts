import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Metafile } from 'esbuild';
import { buildLikeServerless, loadedAtColdStart, staticImports } from '../../bench/lib/esm';
import { ROOT } from '../../bench/lib/paths';
import { functionSpecs, readServerlessYaml } from '../../bench/lib/serverless-config';

/**
 * The function bundles as serverless.yml builds them (its esbuild options, minified, ES modules
 * with code splitting, each function built on its own as serverless-esbuild does; the AWS SDK
 * external, as Lambda provides it): what each loads at cold start (its entry file and the chunks
 * that imports statically) within the budget, and each carrying only what its action uses.
 * Every function serverless.yml declares is checked. `npm run bench` (part 1) measures the same
 * bundles from `serverless package`.
 */

/** JavaScript loaded at cold start, per function (BENCHMARKS.md, Targets). */
const BUDGET_BYTES = 100_000;

type Output = {
  name: string;
  /** Bytes loaded at cold start: the entry and its static imports. */
  bytes: number;
  /** The modules in those files, with their bytes. */
  inputs: Map<string, number>;
  /** The modules of the whole build, lazy chunks included. */
  built: Map<string, number>;
  /** The loaded files' text; their static imports. */
  text: string;
  imports: string[];
};

let warnings: string[] = [];
let outputs: Output[] = [];

function inputsOf(metafile: Metafile, files: readonly string[]): Map<string, number> {
  const inputs = new Map<string, number>();
  for (const [file, output] of Object.entries(metafile.outputs)) {
    if (!files.some((name) => file.endsWith(`/${name}`))) continue;
    // Only the modules that put code in the bundle (a tree-shaken import is listed with 0 bytes).
    for (const [path, input] of Object.entries(output.inputs))
      if (input.bytesInOutput > 0) inputs.set(path, (inputs.get(path) ?? 0) + input.bytesInOutput);
  }
  return inputs;
}

beforeAll(async () => {
  const specs = functionSpecs();
  warnings = [];
  outputs = [];
  for (const spec of specs) {
    const { files, entry, metafile } = await buildLikeServerless(spec.entry);
    const loaded = loadedAtColdStart(files, entry);
    const text = loaded.map((file) => Buffer.from(files.get(file) ?? []).toString('utf8')).join('\n');
    outputs.push({
      name: spec.name,
      bytes: loaded.reduce((sum, file) => sum + (files.get(file)?.length ?? 0), 0),
      inputs: inputsOf(metafile, loaded),
      built: inputsOf(metafile, [...files.keys()]),
      text,
      imports: loaded.flatMap((file) => staticImports(Buffer.from(files.get(file) ?? []).toString('utf8'))),
    });
  }
}, 180_000);

const bundle = (name: string) => {
  const found = outputs.find((output) => output.name === name);
  if (!found) throw new Error(`no bundle for ${name}`);
  return found;
};
/** The modules a function's build holds (lazy chunks included) whose path contains `part`. */
const carrying = (name: string, part: string) =>
  [...bundle(name).built.keys()].filter((path) => path.includes(part));
/** The modules a function loads at cold start whose path contains `part`. */
const loading = (name: string, part: string) =>
  [...bundle(name).inputs.keys()].filter((path) => path.includes(part));
/**
 * The bytes a package puts in a build. A package that does not declare itself free of side
 * effects (bcryptjs, emailjs) leaves a trace of a few hundred bytes wherever a module importing it
 * is bundled for another export: its code is what counts.
 */
const bytesOf = (name: string, part: string) =>
  carrying(name, part).reduce((sum, path) => sum + (bundle(name).built.get(path) ?? 0), 0);
const TRACE = 1_000;

describe('function bundles', () => {
  it('builds one bundle per function of serverless.yml', () => {
    expect(outputs.length).toBe(functionSpecs().length);
    expect(outputs.length).toBeGreaterThan(15);
  });

  it('are ES modules with code splitting, which Lambda runs from a .mjs handler file', () => {
    const esbuild = readServerlessYaml().custom.esbuild;
    expect(esbuild).toMatchObject({ format: 'esm', splitting: true, outputFileExtension: '.mjs' });
    for (const spec of functionSpecs()) expect(spec.bundlePath).toMatch(/\.mjs$/);
  });

  it('loads at most 100 KB of JavaScript at cold start, in every function', () => {
    const over = outputs.filter((output) => output.bytes > BUDGET_BYTES);
    expect(over.map(({ name, bytes }) => ({ name, bytes }))).toEqual([]);
    // The measure can fail: every function loads something, the largest tens of KB.
    expect(Math.min(...outputs.map((o) => o.bytes))).toBeGreaterThan(1_000);
    expect(Math.max(...outputs.map((o) => o.bytes))).toBeGreaterThan(50_000);
  });

  it('builds without a warning (an import the bundle cannot satisfy is one)', () => {
    expect(warnings).toEqual([]);
  });

  it('loads neither the AWS SDK nor a GraphQL library at cold start', () => {
    for (const { name, imports } of outputs) {
      // The SDK (external, provided by Lambda) is only ever imported with import(), where used.
      expect({ name, sdk: imports.filter((i) => i.startsWith('@aws-sdk/')) }).toEqual({ name, sdk: [] });
      for (const library of [
        'node_modules/graphql/',
        'node_modules/graphql-request/',
        '@0no-co/graphql.web',
        '@aws-lambda-powertools/parameters',
      ])
        expect({ name, library, found: carrying(name, library) }).toEqual({ name, library, found: [] });
    }
    expect(bundle('signup').text).toContain('import("@aws-sdk/client-sesv2")');
  });

  it('loads the SMTP transport only when an email goes through it', () => {
    for (const name of ['signup', 'requestPasswordReset', 'resendVerificationEmail']) {
      expect(bytesOf(name, 'node_modules/emailjs/')).toBeGreaterThan(10_000);
      expect(loading(name, 'node_modules/emailjs/')).toEqual([]);
      expect(loading(name, 'lib/platform/mail/smtp.ts')).toEqual([]);
    }
  });

  it.each(['signup', 'signin', 'refreshToken', 'signout', 'verifyEmail', 'requestPasswordReset'])(
    '%s carries no Qovery client',
    (name) => {
      expect(carrying(name, 'lib/platform/qovery/client.ts')).toEqual([]);
      expect(carrying(name, 'lib/instances/projects/')).toEqual([]);
    },
  );

  it.each([
    'createProject',
    'deleteProject',
    'projectStatus',
    'requestPasswordReset',
    'resendVerificationEmail',
  ])('%s carries no bcrypt (it checks no password)', (name) => {
    expect(bytesOf(name, 'node_modules/bcryptjs/')).toBeLessThan(TRACE);
  });

  it.each(['deleteAccount', 'requestPasswordReset', 'resendVerificationEmail', 'createProject'])(
    '%s carries no JWT signing (it issues no token)',
    (name) => {
      expect(carrying(name, 'node_modules/jose/')).toEqual([]);
    },
  );

  it.each(['signin', 'deleteAccount', 'verifyEmail'])(
    '%s loads no mail client (it sends no email)',
    (name) => {
      // esbuild emits a chunk for every import() the module graph reaches, used or not: the
      // SMTP chunk sits in these builds (lib/runtime/index.ts reaches lib/platform/mail), never loaded.
      expect(loading(name, 'node_modules/emailjs/')).toEqual([]);
      // ...but the few bytes it shares with it (sender.ts's sendBudgetMs) go to a chunk both import.
      expect(loading(name, 'lib/platform/mail/').filter((path) => !path.endsWith('/sender.ts'))).toEqual([]);
      expect(bundle(name).text).not.toContain('import("./smtp');
    },
  );

  it('finds in the bundles what their functions need (the checks above can fail)', () => {
    // Each check can fail: the functions that need a package do carry it.
    expect(bytesOf('signin', 'node_modules/bcryptjs/')).toBeGreaterThan(10_000);
    expect(loading('signin', 'node_modules/bcryptjs/').length).toBeGreaterThan(0);
    expect(bytesOf('signup', 'node_modules/emailjs/')).toBeGreaterThan(10_000);
    expect(carrying('signin', 'node_modules/jose/').length).toBeGreaterThan(0);
    expect(carrying('deleteAccount', 'lib/platform/qovery/client.ts')).toEqual([
      'lib/platform/qovery/client.ts',
    ]);
    expect(carrying('signup', 'lib/platform/mail/').length).toBeGreaterThan(0);
    expect(carrying('createProject', 'lib/instances/provision.ts')).toEqual(['lib/instances/provision.ts']);
  });

  it('builds DeleteAccount from DeleteProject’s path alone: no provisioning, no CreateProject', () => {
    expect(carrying('deleteAccount', 'lib/instances/provision')).toEqual([]);
    expect(carrying('deleteAccount', 'lib/instances/projects/create.ts')).toEqual([]);
    expect(carrying('deleteAccount', 'lib/instances/projects/remove.ts')).toEqual([
      'lib/instances/projects/remove.ts',
    ]);
  });

  it('carries only the GraphQL documents its function sends', () => {
    expect(bundle('reconcile').text).toContain('query ReconcileRows(');
    expect(bundle('signin').text).toContain('query SigninUser(');
    expect(bundle('signin').text).not.toContain('query ReconcileRows(');
    expect(bundle('createProject').text).not.toContain('mutation SignupAccount(');
    expect(bundle('deleteAccount').text).not.toContain('mutation RotateRefreshToken(');
  });

  it('makes every document of lib/platform/hasura a plain string constant, so that the check above holds for each', () => {
    // generated.ts (npm run codegen) holds the documents: a string constant is dropped where it is
    // not imported, where a call (unless marked pure), a `new` or an interpolation is kept.
    const generated = readFileSync(join(ROOT, 'lib/platform/hasura/generated.ts'), 'utf8');
    const constants = generated.match(/^export const \w+ =\s*\S/gm) ?? [];
    expect(constants.length).toBeGreaterThan(5);
    expect(constants.filter((constant) => !constant.endsWith('`'))).toEqual([]);
    expect(generated.match(/\$\{/g) ?? []).toEqual([]);
    // The modules the functions import re-export them and build none when loaded.
    for (const file of ['lib/platform/hasura/documents.ts', 'lib/platform/hasura/account-documents.ts']) {
      const source = readFileSync(join(ROOT, file), 'utf8');
      expect({ file, built: source.match(/^(export )?const .*/gm) ?? [] }).toEqual({ file, built: [] });
    }
  });

  it('carries the parts of lib/accounts each action calls, and no other', () => {
    expect(carrying('deleteAccount', 'lib/accounts/').sort()).toEqual([
      'lib/accounts/common.ts',
      'lib/accounts/deletion.ts',
      'lib/accounts/passwords.ts',
      'lib/accounts/settings.ts',
    ]);
    expect(carrying('requestPasswordReset', 'lib/accounts/sessions.ts')).toEqual([]);
    expect(carrying('signin', 'lib/accounts/signup.ts')).toEqual([]);
  });
});
