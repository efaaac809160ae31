/**
 * A private MariaDB server for the checks of tests/real: Debian's `mariadb-server` binaries
 * (`mariadb-install-db`, `mariadbd`) on a temporary data directory, a unix socket and a loopback
 * port, never the system's service. Missing binaries fail the test, with what to install.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface MariaDb {
  port: number;
  socket: string;
  /** Runs SQL as root (over the socket) and answers the rows, tab-separated. */
  sql(statements: string, database?: string): string;
  /** Runs SQL as a user over TCP, as AppWrite connects. */
  sqlAs(user: { name: string; password: string }, statements: string, database: string): string;
  close(): Promise<void>;
}

const SBIN = ['/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** The path of a program, or a failure that says which Debian package brings it. */
export function need(program: string, pkg: string): string {
  for (const dir of [...(process.env.PATH ?? '').split(':'), ...SBIN]) {
    try {
      execFileSync('test', ['-x', join(dir, program)]);
      return join(dir, program);
    } catch {}
  }
  throw new Error(
    `${program} is missing: these checks need Debian's ${pkg} (apt-get install -y ${pkg}; .ci/run does it)`,
  );
}

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export async function startMariaDb(): Promise<MariaDb> {
  const installDb = need('mariadb-install-db', 'mariadb-server');
  const mariadbd = need('mariadbd', 'mariadb-server');
  const client = need('mariadb', 'mariadb-client');
  const dir = mkdtempSync(join(tmpdir(), 'mariadb-real-'));
  const datadir = join(dir, 'data');
  const socket = join(dir, 'mysqld.sock');
  const asRoot = process.getuid?.() === 0 ? ['--user=root'] : [];
  execFileSync(
    installDb,
    [
      '--no-defaults',
      `--datadir=${datadir}`,
      ...asRoot,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
    ],
    { stdio: 'pipe' },
  );
  const port = await freePort();
  const server: ChildProcess = spawn(
    mariadbd,
    [
      '--no-defaults',
      `--datadir=${datadir}`,
      `--socket=${socket}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--pid-file=${join(dir, 'mysqld.pid')}`,
      '--skip-log-bin',
      '--innodb-buffer-pool-size=64M',
      ...asRoot,
    ],
    { stdio: 'ignore' },
  );
  const sql = (statements: string, database?: string) =>
    execFileSync(
      client,
      ['--no-defaults', `--socket=${socket}`, '-uroot', '-N', '-B', ...(database ? [database] : [])],
      {
        input: statements,
        encoding: 'utf8',
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      sql('SELECT 1');
      break;
    } catch (error) {
      if (server.exitCode !== null || Date.now() > deadline) {
        server.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
        throw new Error(`mariadbd did not start: ${String(error)}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const sqlAs = (user: { name: string; password: string }, statements: string, database: string) =>
    execFileSync(
      client,
      ['--no-defaults', '-h127.0.0.1', `-P${port}`, `-u${user.name}`, '-N', '-B', database],
      {
        input: statements,
        encoding: 'utf8',
        env: { ...process.env, MYSQL_PWD: user.password },
      },
    );
  return {
    port,
    socket,
    sql,
    sqlAs,
    async close() {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 15_000)))]);
      clearTimeout(timer);
      if (server.exitCode === null) server.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
