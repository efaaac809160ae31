/**
 * The instance proxy's Caddyfile (lib/instances/blueprint/proxy.ts) under a real Caddy, in front of
 * small echo servers standing for AppWrite's API, its console and its realtime: what reaches each
 * upstream, with the console gate shut, open and unset, for every route, path variant and form of
 * the gate header. Run by `npm run test:integration` (not by `npm test`): it needs a `caddy` binary
 * on the PATH (Debian: `apt-get install caddy`) or named by CADDY, and fails when there is none.
 *
 * Debian's Caddy is 2.6.2; the instances run the image's (PROXY_IMAGE). 2.6.2 predates the
 * `trusted_proxies` server option and refuses a file that has it, so when `caddy adapt` says so the
 * file is rendered without that one option (`trustedProxies: false`); a test below checks that it
 * is the only difference from the production file, and tests/unit/instances/blueprint checks that
 * the production file has it. The gate itself (matchers, CEL, `route`) is the same text.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket, { WebSocketServer } from 'ws';
import { CADDYFILE, CONSOLE_GATE, renderCaddyfile } from '../../lib/instances/blueprint/proxy';

const CADDY = process.env.CADDY ?? 'caddy';
const TOKEN = 'gate-token-0123456789abcdefghijklmnopqrstuv';
const HEADER = CONSOLE_GATE.header;
/** Each upstream on its own loopback address, all on one port (the Caddyfile gives one port). */
const UPSTREAMS = { api: '127.0.0.1', console: '127.0.0.2', realtime: '127.0.0.3' } as const;
type Upstream = keyof typeof UPSTREAMS;

interface Seen {
  upstream: Upstream;
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
}
const seen: Seen[] = [];
const servers: Server[] = [];
const caddies: ChildProcess[] = [];
let dir: string;
let upstreamPort: number;
/** Caddy's port by gate state: the variable shut (the token), `open`, or unset (an old instance). */
const ports: Record<'shut' | 'open' | 'unset', number> = { shut: 0, open: 0, unset: 0 };
let legacyCaddy = false;

function caddyVersion(): string {
  try {
    return execFileSync(CADDY, ['version'], { encoding: 'utf8' }).trim();
  } catch (error) {
    throw new Error(
      `No usable Caddy (${CADDY}): install Debian's \`caddy\` package (apt-get install caddy) or set CADDY to a caddy binary. ${String(error)}`,
    );
  }
}

/** Whether this Caddy accepts the production file as written (`caddy adapt` parses, binds nothing). */
function adapts(text: string): { ok: true } | { ok: false; message: string } {
  const file = join(dir, `adapt-${Math.random().toString(36).slice(2)}.caddyfile`);
  writeFileSync(file, text);
  try {
    execFileSync(CADDY, ['adapt', '--config', file, '--adapter', 'caddyfile'], {
      env: caddyEnv('open'),
      stdio: 'pipe',
    });
    return { ok: true };
  } catch (error) {
    return { ok: false, message: String((error as { stderr?: Buffer }).stderr ?? error) };
  }
}

function caddyEnv(gate: 'shut' | 'open' | 'unset'): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: dir,
    XDG_DATA_HOME: dir,
    XDG_CONFIG_HOME: dir,
    APPWRITE_API_HOST: UPSTREAMS.api,
    APPWRITE_CONSOLE_HOST: UPSTREAMS.console,
    APPWRITE_REALTIME_HOST: UPSTREAMS.realtime,
    ...(gate === 'unset' ? {} : { [CONSOLE_GATE.variable]: gate === 'open' ? CONSOLE_GATE.open : TOKEN }),
  };
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** One echo server per upstream, on the same port: it records what reached it and says who it is. */
async function startUpstreams(): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    try {
      for (const [upstream, host] of Object.entries(UPSTREAMS) as [Upstream, string][]) {
        const server = createServer((req, res) => {
          seen.push({ upstream, method: req.method ?? '', url: req.url ?? '', headers: req.headers });
          req.resume();
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ upstream }));
        });
        const sockets = new WebSocketServer({ server });
        sockets.on('connection', (socket, req) => {
          seen.push({ upstream, method: 'WS', url: req.url ?? '', headers: req.headers });
          socket.send(upstream);
        });
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, host, resolve);
        });
        servers.push(server);
      }
      upstreamPort = port;
      return;
    } catch (error) {
      await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
      if (attempt > 5) throw error;
    }
  }
}

async function startCaddy(gate: 'shut' | 'open' | 'unset'): Promise<void> {
  const port = await freePort();
  const file = join(dir, `${gate}.caddyfile`);
  writeFileSync(
    file,
    renderCaddyfile({ port, bind: '127.0.0.1', upstreamPort, trustedProxies: !legacyCaddy }),
  );
  const child = spawn(CADDY, ['run', '--config', file, '--adapter', 'caddyfile'], {
    env: caddyEnv(gate),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  caddies.push(child);
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log += chunk.toString();
  });
  const until = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`caddy (${gate}) exited: ${log}`);
    const answer = await send(port, 'GET', '/v1/health/version').catch(() => undefined);
    if (answer) break;
    if (Date.now() > until) throw new Error(`caddy (${gate}) did not answer: ${log}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  ports[gate] = port;
}

interface Answer {
  status: number;
  body: string;
}

/** One request as written: the path is sent raw (no URL normalization on our side). */
function send(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string | string[]> = {},
  body?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method, path, headers: { 'x-appwrite-project': 'console', ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.end(body);
  });
}

/** What one request did: the upstream it reached (with what that upstream saw), or Caddy's answer. */
async function outcome(
  gate: 'shut' | 'open' | 'unset',
  method: string,
  path: string,
  headers: Record<string, string | string[]> = {},
  body?: string,
): Promise<{ reached?: Seen; status: number; refused: boolean }> {
  const before = seen.length;
  const answer = await send(ports[gate], method, path, headers, body);
  const reached = seen.slice(before);
  if (reached.length > 1) throw new Error(`one request reached ${reached.length} upstreams`);
  let refused = false;
  try {
    refused = (JSON.parse(answer.body) as { type?: string }).type === CONSOLE_GATE.refusal.type;
  } catch {
    refused = false;
  }
  return { ...(reached[0] ? { reached: reached[0] } : {}), status: answer.status, refused };
}

const ACCOUNT_CREATE = JSON.stringify({
  userId: 'unique()',
  email: 'owner@example.com',
  password: 'a stranger’s password',
});
const GRAPHQL_MUTATION = JSON.stringify({
  query:
    'mutation { accountCreate(userId: "unique()", email: "owner@example.com", password: "a stranger’s password") { _id } }',
});
const GRAPHQL_GET = `/v1/graphql?query=${encodeURIComponent('mutation { accountCreate(userId: "unique()", email: "owner@example.com", password: "x12345678") { _id } }')}`;
const JSON_TYPE = { 'content-type': 'application/json' };

/** Every AppWrite door a stranger could use to take the console seat, or do anything else. */
const ROUTES: [method: string, path: string, upstream: Upstream, body?: string][] = [
  ['POST', '/v1/account', 'api', ACCOUNT_CREATE],
  ['POST', '/v1/account/sessions/email', 'api', ACCOUNT_CREATE],
  ['POST', '/v1/account/tokens/magic-url', 'api', ACCOUNT_CREATE],
  ['POST', '/v1/account/sessions/anonymous', 'api'],
  ['POST', '/v1/graphql', 'api', GRAPHQL_MUTATION],
  ['POST', '/v1/graphql/mutation', 'api', GRAPHQL_MUTATION],
  ['GET', GRAPHQL_GET, 'api'],
  ['GET', '/v1/console/variables', 'api'],
  ['GET', '/v1/locale', 'api'],
  ['POST', '/v1/teams', 'api', '{}'],
  ['GET', '/v1/realtime?project=console&channels%5B%5D=account', 'realtime'],
  ['GET', '/', 'api'],
  ['POST', '/v1/health/version', 'api'],
];

/** Variants of the account and GraphQL doors a path matcher might miss (or walk out of an allowed path). */
const VARIANTS = [
  '/V1/ACCOUNT',
  '/v1/Account/Sessions/Email',
  '//v1//account',
  '/v1/account/',
  '/v1/./account',
  '/v1/x/../account',
  '/v1%2Faccount',
  '/v1/account%2F',
  '/v1/account;x=1',
  '/v1;/account',
  '/v1/account%00',
  '/v1/GraphQL',
  '/v1//graphql',
  '/v1/graphql;',
  '/v1/graphql%00',
  '/v1%2fgraphql',
  '/v1/health/../account',
  '/v1/health/..%2Faccount',
  '/v1/health/%2e%2e/graphql',
  '/v1/health%2F..%2F..%2Fv1%2Fgraphql',
  '/v1/health;/../graphql',
  '/v1/health/version/../../graphql',
  '/console/../v1/account',
  '/console/..%2F..%2Fv1/graphql',
  '/console%2F..%2Fv1%2Faccount',
  '/CONSOLE/../V1/GRAPHQL',
  '/v1/realtime/../account',
  '/V1/REALTIME?project=console',
];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'caddy-gate-'));
  expect(caddyVersion()).toMatch(/^v?2\./);
  const production = adapts(CADDYFILE);
  if (!production.ok) {
    // Only the option Caddy 2.6.2 lacks may be the reason; anything else fails the run here.
    expect(production.message).toMatch(/unrecognized servers option 'trusted_proxies'/);
    legacyCaddy = true;
    expect(adapts(renderCaddyfile({ trustedProxies: false }))).toEqual({ ok: true });
  }
  await startUpstreams();
  await Promise.all((['shut', 'open', 'unset'] as const).map(startCaddy));
}, 60_000);

afterAll(async () => {
  for (const child of caddies) child.kill('SIGTERM');
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the generated Caddyfile under a real Caddy', () => {
  test('is the production file, but for the listening address (and trusted_proxies on Caddy 2.6.2)', () => {
    const rendered = renderCaddyfile({
      port: 8080,
      bind: '127.0.0.1',
      upstreamPort: 9000,
      trustedProxies: false,
    });
    const back = rendered
      .replace(':8080 {\n\tbind 127.0.0.1', ':80 {')
      .replaceAll('}:9000', '}:80')
      .replace(
        'auto_https off',
        'auto_https off\n\tservers {\n\t\ttrusted_proxies static private_ranges\n\t}',
      );
    expect(back).toBe(CADDYFILE);
  });

  test('while shut, every AppWrite route but the health checks is refused to a stranger', async () => {
    for (const [method, path, , body] of ROUTES) {
      const result = await outcome('shut', method, path, body ? JSON_TYPE : {}, body);
      expect({ method, path, ...result }).toEqual({ method, path, status: 403, refused: true });
    }
    const health = await outcome('shut', 'GET', '/v1/health/version');
    expect(health.reached).toMatchObject({ upstream: 'api', url: '/v1/health/version' });
    expect((await outcome('shut', 'HEAD', '/v1/health')).reached?.upstream).toBe('api');
  });

  test('while shut, no path variant reaches the API or realtime', async () => {
    for (const path of VARIANTS)
      for (const method of ['GET', 'POST']) {
        const result = await outcome(
          'shut',
          method,
          path,
          JSON_TYPE,
          method === 'POST' ? ACCOUNT_CREATE : undefined,
        );
        // Refused by the gate, refused by Caddy as malformed, or (for `/console…` paths that stay
        // inside it) handed to the console's static files: never the API nor realtime.
        expect({ method, path, upstream: result.reached?.upstream ?? 'none' }).toEqual({
          method,
          path,
          upstream: expect.stringMatching(/^(none|console)$/),
        });
      }
  });

  test('while shut, the console SPA’s files are served and its API calls are not', async () => {
    for (const path of [
      '/console',
      '/console/',
      '/console/login',
      '/console/_app/immutable/start.js',
      '/CONSOLE/register',
    ])
      expect({ path, upstream: (await outcome('shut', 'GET', path)).reached?.upstream }).toEqual({
        path,
        upstream: 'console',
      });
    // What the SPA calls from the browser once loaded: the gate's JSON, which it shows.
    const call = await outcome('shut', 'GET', '/v1/account', { origin: 'https://instance.example' });
    expect(call).toEqual({ status: 403, refused: true });
    // Nothing that only looks like the console: `/consolex` is an API path to AppWrite's router.
    expect(await outcome('shut', 'GET', '/consolex')).toEqual({ status: 403, refused: true });
  });

  test('the gate header: only the exact token, once, opens; it never reaches AppWrite', async () => {
    const forms: [string, Record<string, string | string[]>, boolean][] = [
      ['absent', {}, false],
      ['empty', { [HEADER]: '' }, false],
      ['wrong', { [HEADER]: 'not-the-token' }, false],
      ['a prefix of it', { [HEADER]: TOKEN.slice(0, -1) }, false],
      ['the value upper-cased', { [HEADER]: TOKEN.toUpperCase() }, false],
      ['repeated', { [HEADER]: [TOKEN, TOKEN] }, false],
      ['wrong then right', { [HEADER]: ['not-the-token', TOKEN] }, false],
      ['in another header', { 'X-AppWrite-Cloud-Gates': TOKEN }, false],
      ['right', { [HEADER]: TOKEN }, true],
      ['right, the name lower-cased', { [HEADER.toLowerCase()]: TOKEN }, true],
      ['right, the name upper-cased', { [HEADER.toUpperCase()]: TOKEN }, true],
    ];
    for (const [form, headers, opens] of forms)
      for (const [method, path, upstream, body] of ROUTES) {
        const result = await outcome('shut', method, path, { ...(body ? JSON_TYPE : {}), ...headers }, body);
        expect({ form, path, upstream: result.reached?.upstream, refused: result.refused }).toEqual({
          form,
          path,
          upstream: opens ? upstream : undefined,
          refused: !opens,
        });
        if (result.reached) expect(Object.keys(result.reached.headers)).not.toContain(HEADER.toLowerCase());
      }
  });

  test('realtime’s WebSocket opens only with the token while shut', async () => {
    const connect = (headers: Record<string, string>) =>
      new Promise<string>((resolve) => {
        const socket = new WebSocket(
          `ws://127.0.0.1:${ports.shut}/v1/realtime?project=console&channels[]=account`,
          {
            headers: { 'x-appwrite-project': 'console', ...headers },
          },
        );
        socket.on('message', (data) => {
          resolve(`message:${String(data)}`);
          socket.close();
        });
        socket.on('unexpected-response', (_req, res) => resolve(`status:${res.statusCode}`));
        socket.on('error', (error) => resolve(`error:${error.message}`));
      });
    expect(await connect({})).toBe('status:403');
    expect(await connect({ [HEADER]: 'wrong' })).toBe('status:403');
    expect(await connect({ [HEADER]: TOKEN })).toBe('message:realtime');
  });

  test('once open, every route reaches its upstream as AppWrite’s Traefik routes it', async () => {
    for (const [method, path, upstream, body] of ROUTES) {
      const result = await outcome('open', method, path, body ? JSON_TYPE : {}, body);
      expect({ path, upstream: result.reached?.upstream }).toEqual({ path, upstream });
      expect(result.reached?.url).toBe(path);
    }
    expect((await outcome('open', 'GET', '/console/login')).reached?.upstream).toBe('console');
    // A token sent anyway (a late control-plane call) is dropped before AppWrite.
    const late = await outcome(
      'open',
      'POST',
      '/v1/account',
      { ...JSON_TYPE, [HEADER]: TOKEN },
      ACCOUNT_CREATE,
    );
    expect(late.reached?.upstream).toBe('api');
    expect(Object.keys(late.reached?.headers ?? {})).not.toContain(HEADER.toLowerCase());
  });

  test('an instance made before the gate (no variable) stays open, as before', async () => {
    expect(
      (await outcome('unset', 'POST', '/v1/graphql', JSON_TYPE, GRAPHQL_MUTATION)).reached?.upstream,
    ).toBe('api');
  });
});
