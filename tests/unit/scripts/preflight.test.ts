import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireStackLock, assertPortsFree, checkHasura, StartError } from '../../../scripts/preflight';
import { freePort } from '../../../scripts/stack';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'preflight-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/graphql` }),
    ),
  );
}

describe('npm start: ports', () => {
  it('names the component and the variable to change when a port is taken', async () => {
    const { server, url } = await listen((_req, res) => res.end());
    const busy = Number(new URL(url).port);
    const free = await freePort();
    try {
      const check = assertPortsFree([
        { component: 'Hasura stand-in (GraphQL)', variable: 'HASURA_PORT', port: free },
        { component: 'Qovery stand-in', variable: 'QOVERY_STANDIN_PORT', port: busy },
      ]);
      await expect(check).rejects.toThrow(StartError);
      await expect(check).rejects.toThrow(
        `127.0.0.1:${busy} (Qovery stand-in) is already in use: set QOVERY_STANDIN_PORT=<another port>`,
      );
      await expect(check).rejects.not.toThrow('HASURA_PORT');
    } finally {
      server.close();
    }
  });

  it('says nothing when every port is free', async () => {
    await expect(
      assertPortsFree([{ component: 'x', variable: 'X_PORT', port: await freePort() }]),
    ).resolves.toBeUndefined();
  });
});

describe('npm start: one stack per .local/', () => {
  it('refuses a second stack while the first runs, naming its pid', () => {
    const first = acquireStackLock(dir);
    expect(() => acquireStackLock(dir)).toThrow(`Another local stack (pid ${process.pid}`);
    first.release();
    expect(existsSync(join(dir, 'stack.lock'))).toBe(false);
    acquireStackLock(dir).release();
  });

  it('takes over a stale lock whose process is gone, and says so', () => {
    const gone = spawnSync(process.execPath, ['-e', 'process.pid'], { encoding: 'utf8' }).pid;
    expect(gone).toEqual(expect.any(Number));
    writeFileSync(join(dir, 'stack.lock'), JSON.stringify({ pid: gone, startedAt: 'earlier' }));
    const notes: string[] = [];
    const lock = acquireStackLock(dir, (note) => notes.push(note));
    expect(notes).toEqual([expect.stringContaining(`stale lock of pid ${gone}`)]);
    expect(JSON.parse(readFileSync(lock.file, 'utf8')).pid).toBe(process.pid);
    lock.release();
  });
});

describe('npm start, handlers only: Hasura must answer first', () => {
  it('accepts a Hasura that answers { __typename } with the admin secret', async () => {
    const { server, url } = await listen((req, res) => {
      const ok = req.headers['x-hasura-admin-secret'] === 'right';
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify(
          ok
            ? { data: { __typename: 'query_root' } }
            : {
                errors: [{ message: 'invalid x-hasura-admin-secret', extensions: { code: 'access-denied' } }],
              },
        ),
      );
    });
    try {
      await expect(checkHasura(url, 'right')).resolves.toBeUndefined();
      await expect(checkHasura(url, 'wrong')).rejects.toThrow(/refuses HASURA_GRAPHQL_ADMIN_SECRET/);
    } finally {
      server.close();
    }
  });

  it('says Hasura does not answer, with the endpoint, when nothing listens', async () => {
    const url = `http://127.0.0.1:${await freePort()}/v1/graphql`;
    await expect(checkHasura(url, 's')).rejects.toThrow(
      `Hasura does not answer at HASURA_GRAPHQL_ENDPOINT=${url} (ECONNREFUSED)`,
    );
  });

  it('says when the endpoint is not a GraphQL API', async () => {
    const { server, url } = await listen((_req, res) => {
      res.statusCode = 404;
      res.end('<html>not here</html>');
    });
    try {
      await expect(checkHasura(url, 's')).rejects.toThrow(/HTTP 404 without GraphQL JSON/);
    } finally {
      server.close();
    }
  });
});
