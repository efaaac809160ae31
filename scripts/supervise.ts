import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { join } from 'node:path';

/**
 * Nothing the local stack starts outlives it. The stand-ins that run in this process (Hasura,
 * Qovery, S3) die with it; the children (MailDev, serverless-offline and what it starts) run in
 * process groups of their own, so that stopping one stops its whole tree, and so:
 * - a stop signal (SIGINT, SIGTERM, SIGHUP) is handled once, however often it comes (a signal sent
 *   to the whole process group arrives from the terminal and from a relaying parent such as tsx):
 *   `process.on`, never `once`, since a second signal would otherwise find Node's default handler
 *   and kill this process half-way through stopping;
 * - a signal during the start, before there is anything to close gracefully, kills the children
 *   started so far and exits;
 * - a stop that takes too long ends with SIGKILL to every child group;
 * - this process killed with SIGKILL cannot act at all: each child watches a pipe from it
 *   (scripts/lifeline.cjs) and takes its own group down when the pipe closes;
 * - and when this process's own parent goes away (the tsx launcher of `npm start` killed), it
 *   stops as on a signal, since nothing would ever send it one again.
 */

const LIFELINE = join(__dirname, 'lifeline.cjs');
const children = new Set<ChildProcess>();
let exitHookInstalled = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    if (process.platform !== 'win32') process.kill(-child.pid, signal);
    else child.kill(signal);
  } catch {
    // already gone
  }
}

/** The pids of the children running now, each the id of its process group. */
export function childPids(): number[] {
  return [...children].flatMap((child) => (child.pid === undefined ? [] : [child.pid]));
}

/** SIGKILL to every child's group, now: the last resort (a failed start, a stop that hangs, exit). */
export function killChildren(): void {
  for (const child of children) killGroup(child, 'SIGKILL');
}

/**
 * A Node script as a child of the stack: in its own process group, with the lifeline that takes
 * that group down when this process dies.
 */
export function spawnNodeChild(script: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  const stdio = (options.stdio as unknown[] | undefined) ?? ['ignore', 'pipe', 'pipe'];
  const child = spawn(process.execPath, ['--require', LIFELINE, script, ...args], {
    ...options,
    env: { ...(options.env ?? process.env), STACK_LIFELINE_FD: String(stdio.length) },
    stdio: [...stdio, 'pipe'] as SpawnOptions['stdio'],
    detached: process.platform !== 'win32',
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', killChildren);
  }
  return child;
}

/** SIGTERM to the child's whole group, SIGKILL after 5 s; resolves once it has exited. */
export async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  killGroup(child, 'SIGTERM');
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Runs `start`, then waits for a stop signal (or the loss of this process's parent) and closes
 * what it started; exits 0 once closed. A signal during the start kills the children and exits
 * 130-ish at once; a close longer than `closeTimeoutMs` kills them and exits 1.
 */
export async function runUntilStopped(
  start: () => Promise<{ close(): Promise<void> }>,
  options: { closeTimeoutMs?: number; onStopping?: (why: string) => void } = {},
): Promise<void> {
  let started = false;
  let stopRequested: (why: string) => void = () => {};
  const stopping = new Promise<string>((resolve) => {
    stopRequested = resolve;
  });
  let asked = false;
  const stop = (why: string, code: number) => {
    if (asked) return;
    asked = true;
    if (!started) {
      killChildren();
      process.exit(code);
    }
    stopRequested(why);
  };
  for (const signal of STOP_SIGNALS)
    process.on(signal, () => stop(signal, 128 + (signal === 'SIGINT' ? 2 : signal === 'SIGHUP' ? 1 : 15)));
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stop('parent gone', 129);
  }, 500).unref();

  const running = await start();
  started = true;
  const why = await stopping;
  options.onStopping?.(why);
  setTimeout(() => {
    killChildren();
    process.exit(1);
  }, options.closeTimeoutMs ?? 20_000).unref();
  await running.close();
  process.exit(0);
}
