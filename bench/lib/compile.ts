import { basename, dirname, extname, join } from 'node:path';
import { build } from 'esbuild';
import { ROOT } from './paths';
import { esbuildOptions, outputExtension } from './serverless-config';

/**
 * Bundles a bench helper into one CommonJS file, so that child processes run plain `node` with
 * no TypeScript loader in the way of what is measured. `deployed: true` uses the functions' own
 * esbuild options from serverless.yml (for the baselines and the bare handlers, which must be
 * built like the functions they are compared with): an ES module with its chunks beside it, in
 * the folder of `outfile`, whose entry path (`.mjs`) is returned. Children load either with `import()`.
 */
export async function compile(entry: string, outfile: string, { deployed = false } = {}): Promise<string> {
  if (deployed) {
    await build({
      ...esbuildOptions(),
      entryPoints: { [basename(outfile, extname(outfile))]: entry },
      outdir: dirname(outfile),
      write: true,
      logLevel: 'error',
    });
    return join(dirname(outfile), `${basename(outfile, extname(outfile))}${outputExtension()}`);
  }
  await build({
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    absWorkingDir: ROOT,
    entryPoints: [entry],
    outfile,
    write: true,
    logLevel: 'error',
  });
  return outfile;
}
