import { build } from 'esbuild';
import { ROOT } from './paths';
import { esbuildOptions } from './serverless-config';

/**
 * Bundles a bench helper into one CommonJS file, so that child processes run plain `node` with
 * no TypeScript loader in the way of what is measured. `deployed: true` uses the functions' own
 * esbuild options from serverless.yml (for the baselines and the bare handlers, which must be
 * built like the functions they are compared with).
 */
export async function compile(entry: string, outfile: string, { deployed = false } = {}): Promise<string> {
  const options = deployed
    ? esbuildOptions()
    : {
        bundle: true,
        platform: 'node' as const,
        target: 'node24',
        format: 'cjs' as const,
        absWorkingDir: ROOT,
      };
  await build({ ...options, entryPoints: [entry], outfile, write: true, logLevel: 'error' });
  return outfile;
}
