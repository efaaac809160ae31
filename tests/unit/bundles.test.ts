import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { ROOT } from '../../bench/lib/paths';
import { esbuildOptions, functionSpecs } from '../../bench/lib/serverless-config';

/**
 * The function bundles as serverless.yml builds them (its esbuild options, minified; the AWS SDK
 * external, as Lambda provides it): each within the house budget, and each carrying only what its
 * action uses. `npm run bench` (part 1) measures the same bundles from `serverless package`.
 */

const BUDGET_BYTES = 150_000;

let warnings: string[] = [];
let outputs: { name: string; bytes: number; inputs: Map<string, number>; text: string }[] = [];

beforeAll(async () => {
  const specs = functionSpecs();
  const result = await build({
    ...esbuildOptions(),
    entryPoints: Object.fromEntries(specs.map((spec) => [spec.name, spec.entry])),
    outdir: 'unused',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  // e.g. a namespace import of a name the graphql stand-in lacks: undefined at run time, only a warning.
  warnings = result.warnings.map((warning) => warning.text);
  const metafile = result.metafile as Metafile;
  outputs = specs.map((spec) => {
    const output = Object.entries(metafile.outputs).find(([file]) => file.endsWith(`/${spec.name}.js`))?.[1];
    if (!output) throw new Error(`no bundle for ${spec.name}`);
    // Only the modules that put code in the bundle (a tree-shaken import is listed with 0 bytes).
    const inputs = Object.entries(output.inputs)
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([path, input]): [string, number] => [path, input.bytesInOutput]);
    const file = result.outputFiles?.find((out) => out.path.endsWith(`/${spec.name}.js`));
    return { name: spec.name, bytes: output.bytes, inputs: new Map(inputs), text: file?.text ?? '' };
  });
}, 60_000);

const bundle = (name: string) => {
  const found = outputs.find((output) => output.name === name);
  if (!found) throw new Error(`no bundle for ${name}`);
  return found;
};
/** The modules of a bundle whose path contains `part`. */
const carrying = (name: string, part: string) =>
  [...bundle(name).inputs.keys()].filter((path) => path.includes(part));
/**
 * The bytes a package puts in a bundle. A package that does not declare itself free of side
 * effects (bcryptjs, emailjs) leaves a trace of a few hundred bytes wherever a module importing it
 * is bundled for another export: its code is what counts.
 */
const bytesOf = (name: string, part: string) =>
  carrying(name, part).reduce((sum, path) => sum + (bundle(name).inputs.get(path) ?? 0), 0);
const TRACE = 1_000;

describe('function bundles', () => {
  it('builds one bundle per function of serverless.yml', () => {
    expect(outputs.length).toBeGreaterThan(15);
  });

  it('keeps every bundle within 150 KB', () => {
    const over = outputs.filter((output) => output.bytes > BUDGET_BYTES);
    expect(over.map(({ name, bytes }) => ({ name, bytes }))).toEqual([]);
  });

  it('builds without a warning (an import the bundle cannot satisfy is one)', () => {
    expect(warnings).toEqual([]);
  });

  it('keeps the full graphql package out of every bundle: graphql-request parses with @0no-co/graphql.web', () => {
    for (const { name } of outputs) {
      expect({ name, graphql: carrying(name, 'node_modules/graphql/') }).toEqual({ name, graphql: [] });
      if (carrying(name, 'node_modules/graphql-request/').length > 0)
        expect(carrying(name, 'node_modules/@0no-co/graphql.web/').length).toBeGreaterThan(0);
    }
    expect(carrying('signin', 'node_modules/graphql-request/').length).toBeGreaterThan(0);
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
    '%s carries no mail client (it sends no email)',
    (name) => {
      expect(bytesOf(name, 'node_modules/emailjs/')).toBeLessThan(TRACE);
      expect(carrying(name, 'lib/platform/mail/')).toEqual([]);
    },
  );

  it('finds in the bundles what their functions need (the checks above can fail)', () => {
    // Each check can fail: the functions that need a package do carry it.
    expect(bytesOf('signin', 'node_modules/bcryptjs/')).toBeGreaterThan(10_000);
    expect(bytesOf('signup', 'node_modules/emailjs/')).toBeGreaterThan(10_000);
    expect(carrying('signin', 'node_modules/jose/').length).toBeGreaterThan(0);
    expect(carrying('deleteAccount', 'lib/platform/qovery/client.ts')).toEqual([
      'lib/platform/qovery/client.ts',
    ]);
    expect(carrying('signup', 'lib/platform/mail/').length).toBeGreaterThan(0);
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
