import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BuildOptions } from 'esbuild';
import { parse } from 'yaml';
import { ROOT } from './paths';

/** What the bench needs from serverless.yml: the functions and the esbuild options. */

interface ServerlessYaml {
  functions: Record<string, { handler: string }>;
  custom: { esbuild: Record<string, unknown> };
}

export interface FunctionSpec {
  /** Key in serverless.yml, also the name of its zip: `signin`, `createProject`, … */
  name: string;
  /** Hasura action name: `Signin`, `CreateProject`, … */
  action: string;
  /** Source entry, relative to the root: `functions/signin.ts`. */
  entry: string;
  /** Path of the bundle's entry inside the zip: `functions/signin.mjs` (serverless.yml's extension). */
  bundlePath: string;
}

export function readServerlessYaml(root = ROOT): ServerlessYaml {
  return parse(readFileSync(join(root, 'serverless.yml'), 'utf8')) as ServerlessYaml;
}

/** serverless-esbuild's `outputFileExtension` (`.js` unless serverless.yml says otherwise). */
export function outputExtension(root = ROOT): string {
  const extension = readServerlessYaml(root).custom.esbuild.outputFileExtension;
  return typeof extension === 'string' ? extension : '.js';
}

export function functionSpecs(root = ROOT): FunctionSpec[] {
  const extension = outputExtension(root);
  return Object.entries(readServerlessYaml(root).functions).map(([name, { handler }]) => {
    const file = handler.slice(0, handler.lastIndexOf('.'));
    return {
      name,
      action: name.charAt(0).toUpperCase() + name.slice(1),
      entry: `${file}.ts`,
      bundlePath: `${file}${extension}`,
    };
  });
}

/** serverless-esbuild's own settings, which it removes before calling esbuild (dist/bundle.js). */
const PLUGIN_ONLY = new Set([
  'concurrency',
  'zipConcurrency',
  'exclude',
  'nativeZip',
  'packager',
  'packagePath',
  'watch',
  'keepOutputDirectory',
  'packagerOptions',
  'installExtraArgs',
  'outputFileExtension',
  'outputBuildFolder',
  'outputWorkFolder',
  'nodeExternals',
  'skipBuild',
  'skipRebuild',
  'skipBuildExcludeFns',
  'stripEntryResolveExtensions',
  'disposeContext',
  'config',
]);

/**
 * The esbuild options serverless-esbuild derives from `custom.esbuild`, the way it does it: plugin
 * settings dropped, `exclude` added to `external`, `outputFileExtension` as `outExtension`
 * (dist/bundle.js). Relative paths (e.g. `alias`) resolve against `absWorkingDir`, like the
 * plugin's run in the service directory. It builds each function on its own, into an `outdir`.
 */
export function esbuildOptions(root = ROOT): BuildOptions {
  const custom = readServerlessYaml(root).custom.esbuild;
  const asArray = (value: unknown) => (Array.isArray(value) ? (value as string[]) : []);
  const options = Object.fromEntries(Object.entries(custom).filter(([key]) => !PLUGIN_ONLY.has(key)));
  return {
    bundle: true,
    platform: 'node',
    target: 'node24',
    ...options,
    external: [...asArray(custom.external), ...asArray(custom.exclude)],
    ...(outputExtension(root) === '.js' ? {} : { outExtension: { '.js': outputExtension(root) } }),
    absWorkingDir: root,
  };
}
