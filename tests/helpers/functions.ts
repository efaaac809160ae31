import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { DeclaredHandler } from '../../lib/action/handler';
import type { SectionName as Section } from '../../lib/basics/settings';

const ROOT = join(__dirname, '..', '..');

/** Every function of serverless.yml, with its module path and the sections its handler declares. */
export function functionsRuntime(): {
  name: string;
  path: string;
  file: () => Promise<readonly Section[]>;
}[] {
  const functions = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')).functions as Record<
    string,
    { handler: string }
  >;
  return Object.entries(functions).map(([name, { handler }]) => {
    const path = join(ROOT, handler.replace(/\.handler$/, ''));
    return {
      name,
      path,
      file: async () => ((await import(path)) as { handler: DeclaredHandler }).handler.sections,
    };
  });
}
