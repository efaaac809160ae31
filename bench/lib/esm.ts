import { posix } from 'node:path';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { esbuildOptions } from './serverless-config';

/**
 * The functions are ES modules with code splitting (serverless.yml): each is an entry file and
 * chunks. At cold start Node loads the entry and, transitively, the chunks it imports statically;
 * a chunk imported with `import()` is loaded on first use. These helpers find that set.
 */

/** Static imports of one esbuild output file: `import{…}from"./chunk-X.mjs"`, `import"./x.mjs"`, `export{…}from"…"`. */
export function staticImports(code: string): string[] {
  const found: string[] = [];
  const pattern = /(?:^|[;}\s])(?:import|export)\s*(?:[\w$*{}\s,]*?\bfrom\s*)?["']([^"']+)["']/g;
  for (const match of code.matchAll(pattern)) if (match[1]) found.push(match[1]);
  return found;
}

/**
 * The files (paths as in `files`, posix) a cold start loads from `entry`: the entry and the local
 * files it imports statically, transitively. Node's built-ins and packages (the AWS SDK) are not files here.
 */
export function loadedAtColdStart(files: ReadonlyMap<string, Uint8Array>, entry: string): string[] {
  const loaded: string[] = [];
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (loaded.includes(file)) continue;
    const bytes = files.get(file);
    if (!bytes) throw new Error(`${file} is imported but not among the bundle's files`);
    loaded.push(file);
    for (const specifier of staticImports(Buffer.from(bytes).toString('utf8')))
      if (specifier.startsWith('.')) pending.push(posix.join(posix.dirname(file), specifier));
  }
  return loaded;
}

export interface EsmBuild {
  /** Every output file, by path relative to the output folder. */
  files: Map<string, Uint8Array>;
  /** The entry's path among `files`. */
  entry: string;
  metafile: Metafile;
}

/** One entry built as serverless-esbuild builds a function (its own build, chunks beside it), in memory. */
export async function buildLikeServerless(
  entry: string,
  options: BuildOptions = esbuildOptions(),
): Promise<EsmBuild> {
  const outdir = posix.join('/bench-out');
  const result = await build({
    ...options,
    entryPoints: [entry],
    outdir,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const files = new Map(
    (result.outputFiles ?? []).map((file) => [posix.relative(outdir, file.path), file.contents] as const),
  );
  const metafile = result.metafile as Metafile;
  const entryOutput = Object.entries(metafile.outputs).find(([, output]) => output.entryPoint)?.[0];
  if (!entryOutput) throw new Error(`esbuild produced no entry for ${entry}`);
  return { files, entry: posix.basename(entryOutput), metafile };
}
