import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/**
 * What `npm start` checks before it starts anything, so that a problem is reported in words a
 * newcomer can act on instead of `listen EADDRINUSE` twenty seconds later.
 */

export class StartError extends Error {
  override readonly name = 'StartError';
}

export interface PortUse {
  /** What listens there, as docs/development.md names it: "Hasura stand-in (GraphQL)". */
  component: string;
  /** The variable that moves it. */
  variable: string;
  port: number;
  /** Where it binds, when not 127.0.0.1. */
  host?: string;
}

/** Refuses, naming the component and the variable to change, when a port is taken. */
export async function assertPortsFree(uses: readonly PortUse[], host = '127.0.0.1'): Promise<void> {
  const taken: PortUse[] = [];
  for (const use of uses) {
    if (use.port === 0) continue;
    if (!(await portFree(use.port, use.host ?? host))) taken.push(use);
  }
  if (taken.length === 0) return;
  const lines = taken.map(
    (use) =>
      `  ${use.host ?? host}:${use.port} (${use.component}) is already in use: set ${use.variable}=<another port> in .env or the environment`,
  );
  throw new StartError(
    `Cannot start: ${taken.length === 1 ? 'a port is' : 'ports are'} taken, by another \`npm start\` or another program.\n${lines.join('\n')}`,
  );
}

function portFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

export interface StackLock {
  file: string;
  release(): void;
}

interface LockContent {
  pid: number;
  startedAt: string;
}

/**
 * One local stack per `.local/`: two would share PGlite's files and the Qovery stand-in's state
 * and lose each other's writes. The lock file holds the owner's pid; a lock whose process is gone
 * (a crash, a kill -9) is stale and taken over, with a note.
 */
export function acquireStackLock(dir: string, onNote: (message: string) => void = () => {}): StackLock {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'stack.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      const content: LockContent = { pid: process.pid, startedAt: new Date().toISOString() };
      writeSync(fd, `${JSON.stringify(content)}\n`);
      closeSync(fd);
      let released = false;
      return {
        file,
        release() {
          if (released) return;
          released = true;
          try {
            const current = JSON.parse(readFileSync(file, 'utf8')) as LockContent;
            if (current.pid === process.pid) rmSync(file, { force: true });
          } catch {
            // already gone
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let owner: LockContent | undefined;
    try {
      owner = JSON.parse(readFileSync(file, 'utf8')) as LockContent;
    } catch {
      owner = undefined;
    }
    if (owner && Number.isInteger(owner.pid) && alive(owner.pid)) {
      throw new StartError(
        `Another local stack (pid ${owner.pid}, started ${owner.startedAt}) is using ${dir}.\n` +
          'Stop it first (Ctrl+C in its terminal). Two stacks on the same .local/ would lose each other’s sign-ups and projects.',
      );
    }
    onNote(
      `Removed a stale lock ${owner ? `of pid ${owner.pid} (no longer running)` : '(unreadable)'}: ${file}`,
    );
    rmSync(file, { force: true });
  }
  throw new StartError(`Could not take the lock ${file}: another stack is starting at the same moment.`);
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Handlers-only mode: asks Hasura `{ __typename }` with the admin secret before saying ready, and
 * says what is wrong (unreachable, not Hasura, wrong admin secret) otherwise.
 */
export async function checkHasura(
  endpoint: string,
  adminSecret: string | undefined,
  timeoutMs = 5000,
): Promise<void> {
  let response: Response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(adminSecret ? { 'x-hasura-admin-secret': adminSecret } : {}),
      },
      body: JSON.stringify({ query: '{ __typename }' }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    throw new StartError(
      `Hasura does not answer at HASURA_GRAPHQL_ENDPOINT=${endpoint} (${cause}). Is it running (docker compose up -d)?`,
    );
  }
  let body: {
    data?: { __typename?: string };
    errors?: { message?: string; extensions?: { code?: string } }[];
  };
  try {
    body = (await response.json()) as typeof body;
  } catch {
    throw new StartError(
      `HASURA_GRAPHQL_ENDPOINT=${endpoint} answered HTTP ${response.status} without GraphQL JSON: is it Hasura's /v1/graphql?`,
    );
  }
  if (body.data?.__typename === 'query_root') return;
  const error = body.errors?.[0];
  if (error?.extensions?.code === 'access-denied') {
    throw new StartError(
      `Hasura at ${endpoint} refuses HASURA_GRAPHQL_ADMIN_SECRET (${error.message ?? 'access-denied'}): use the value Hasura was started with.`,
    );
  }
  throw new StartError(
    `Hasura at ${endpoint} did not answer { __typename } as expected: ${error?.message ?? `HTTP ${response.status}`}`,
  );
}
