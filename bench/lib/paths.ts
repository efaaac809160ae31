import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The repository root. */
export const ROOT = resolve(__dirname, '..', '..');

/**
 * A scratch directory outside the work tree for everything the bench builds (bundles, helper
 * scripts, a snapshot of the project for `serverless package`), so that it never races with other
 * people's `serverless offline` runs or shows up in git.
 */
export function createWorkDir(): { dir: string; path: (...parts: string[]) => string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'appwrite-cloud-bench-'));
  return {
    dir,
    path: (...parts) => {
      const full = join(dir, ...parts);
      mkdirSync(resolve(full, '..'), { recursive: true });
      return full;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
