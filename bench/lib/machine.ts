import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, freemem, loadavg, release, totalmem, type } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './paths';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  freeMemoryGiB: number;
  os: string;
  node: string;
  esbuild: string;
  serverless: string;
  commit: string;
  date: string;
  /** 1-minute load average when the bench started (other work on the machine skews figures). */
  loadAverage: number;
}

const versionOf = (pkg: string) =>
  (JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string })
    .version;

export function describeMachine(): Machine {
  const list = cpus();
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8' }).trim();
    if (dirty) commit += ' + uncommitted changes';
  } catch {
    // not a git checkout
  }
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: totalmem() / 2 ** 30,
    freeMemoryGiB: freemem() / 2 ** 30,
    os: `${type()} ${release()}`,
    node: process.version,
    esbuild: versionOf('esbuild'),
    serverless: `osls ${versionOf('serverless')}`,
    commit,
    date: new Date().toISOString(),
    loadAverage: loadavg()[0] ?? 0,
  };
}

/** The 1-minute load average now. */
export const loadAverageNow = () => loadavg()[0] ?? 0;
