import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ROOT } from '../../../scripts/stack';

/**
 * Nothing outlives `npm start` (scripts/supervise.ts): after a stop signal to it or to its whole
 * process group (which may deliver the signal twice), and after a kill -9 of it, no process of
 * its children's groups is left and every port it listened on is free again. The stack here is
 * tests/fixtures/scripts/supervised-stack.ts: the same shutdown, the real MailDev, a child with a
 * grandchild as serverless-offline has, a server in the process as the stand-ins are. Linux: the
 * process groups are read from /proc.
 */

const FIXTURE = join(ROOT, 'tests/fixtures/scripts/supervised-stack.ts');

interface Started {
  parent: ChildProcess;
  groups: number[];
  ports: number[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function startStack(): Promise<Started> {
  // Its own process group, as a terminal's foreground job is: a signal to the group spares Jest.
  const parent = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    parent.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let output = '';
  const ready = await new Promise<{ groups: number[]; ports: number[] }>((resolve, reject) => {
    parent.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    parent.stdout?.on('data', (chunk) => {
      output += chunk;
      const line = /^\{"groups".*$/m.exec(output);
      if (line) resolve(JSON.parse(line[0]));
    });
    void exited.then(() => reject(new Error(`the stack exited before it was ready:\n${output}`)));
  });
  return { parent, exited, ...ready };
}

/** Every live process whose process group is one of `groups` (zombies are gone already). */
function survivors(groups: readonly number[]): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z' && groups.includes(Number(fields[2]))) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** What is still there after the stack is gone, waiting up to 8 s for it to go. */
async function leftOver(stack: Started): Promise<{ processes: number[]; ports: number[] }> {
  const deadline = Date.now() + 8000;
  for (;;) {
    const processes = survivors([...stack.groups, stack.parent.pid ?? -1]);
    const ports: number[] = [];
    for (const port of stack.ports) if (!(await portFree(port))) ports.push(port);
    if ((processes.length === 0 && ports.length === 0) || Date.now() > deadline) return { processes, ports };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('npm start leaves nothing behind', () => {
  const started: Started[] = [];
  afterAll(() => {
    // A failed test must not leave its stack running either.
    for (const stack of started)
      for (const pid of [...stack.groups, stack.parent.pid ?? 0])
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // gone
        }
  });

  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)(
    'after %s to it: stops, exit code 0',
    async (signal) => {
      const stack = await startStack();
      started.push(stack);
      expect(stack.groups).toHaveLength(2);
      expect(survivors(stack.groups).length).toBeGreaterThanOrEqual(3);
      process.kill(stack.parent.pid ?? 0, signal);
      expect(await stack.exited).toEqual({ code: 0, signal: null });
      expect(await leftOver(stack)).toEqual({ processes: [], ports: [] });
    },
    30_000,
  );

  it('after SIGINT twice to its whole process group (a terminal and a launcher both relaying it)', async () => {
    const stack = await startStack();
    started.push(stack);
    process.kill(-(stack.parent.pid ?? 0), 'SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 50));
    try {
      process.kill(-(stack.parent.pid ?? 0), 'SIGINT');
    } catch (error) {
      // The whole group may be gone already after the first one (ESRCH): nothing left to signal.
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
    expect(await stack.exited).toEqual({ code: 0, signal: null });
    expect(await leftOver(stack)).toEqual({ processes: [], ports: [] });
  }, 30_000);

  it('after a kill -9 of it: its children see it gone and take their groups down', async () => {
    const stack = await startStack();
    started.push(stack);
    process.kill(stack.parent.pid ?? 0, 'SIGKILL');
    expect(await stack.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await leftOver(stack)).toEqual({ processes: [], ports: [] });
  }, 30_000);
});
