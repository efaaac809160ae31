import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CONSOLE_GATE } from '../../lib/instances/blueprint/proxy';

/**
 * The part of an AppWrite 1.9.6 API the control plane uses for the console seat, with AppWrite's
 * rules (app/controllers/api/account.php): the e-mail whitelist on POST /v1/account, the one-seat
 * limit, sessions by cookie, the session's account, password change with the old password; and
 * GraphQL's `accountCreate` mutation, which runs the same route. For tests only.
 *
 * In front of it, the instance proxy's console gate as the Caddyfile words it (lib/instances/blueprint/proxy
 * CONSOLE_GATE; tests/real runs the real file under Caddy): `gate()` is the value of the gate
 * variable the proxy sees (undefined: unset).
 */
export async function startFakeAppwrite(options: {
  whitelist: string[];
  ready?: boolean;
  gate?: () => string | undefined;
}) {
  const users: { email: string; password: string; id?: string }[] = [];
  const sessions = new Map<string, string>();
  const state = { ready: options.ready ?? true, users, requests: [] as { method: string; path: string }[] };
  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const error = (res: ServerResponse, status: number, type: string) =>
    send(res, status, { message: type, code: status, type });
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : {};
    const path = req.url ?? '/';
    state.requests.push({ method: req.method ?? '', path });
    if (options.gate && gated(req.method ?? '', new URL(path, 'http://x').pathname)) {
      // `{env.GATE} != "open" && {header.X} != {env.GATE}` (a missing variable or header is "").
      const gate = options.gate() ?? '';
      const presented = req.headers[CONSOLE_GATE.header.toLowerCase()] ?? '';
      if (gate !== CONSOLE_GATE.open && presented !== gate) return send(res, 403, CONSOLE_GATE.refusal);
    }
    if (path === '/v1/health/version')
      return state.ready ? send(res, 200, { version: '1.9.6' }) : send(res, 503, {});
    if (req.headers['x-appwrite-project'] !== 'console') return error(res, 400, 'project_unknown');
    const session = /a_session_console=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    const createAccount = (email: string, password: string) => {
      if (options.whitelist.length && !options.whitelist.includes(email))
        return error(res, 401, 'user_email_not_whitelisted');
      if (users.length >= 1) return error(res, 501, 'user_console_count_exceeded');
      users.push({ email, password });
      return send(res, 201, { $id: `u${users.length}`, email });
    };
    if (req.method === 'POST' && path === '/v1/account')
      return createAccount(String(body.email).toLowerCase(), String(body.password));
    if (req.method === 'POST' && (path === '/v1/graphql' || path === '/v1/graphql/mutation')) {
      const call = /accountCreate\(([\s\S]*?)\)\s*\{/.exec(String(body.query));
      const arg = (name: string) => new RegExp(`${name}:\\s*"([^"]*)"`).exec(call?.[1] ?? '')?.[1] ?? '';
      if (!call) return error(res, 400, 'graphql_bad_request');
      return createAccount(arg('email').toLowerCase(), arg('password'));
    }
    if (req.method === 'GET' && path === '/v1/account') {
      const index = users.findIndex((u) => u.email === sessions.get(session ?? ''));
      if (index < 0) return error(res, 401, 'user_unauthorized');
      return send(res, 200, { $id: users[index]?.id ?? `u${index + 1}`, email: users[index]?.email });
    }
    if (req.method === 'POST' && path === '/v1/account/sessions/email') {
      const user = users.find(
        (u) => u.email === String(body.email).toLowerCase() && u.password === body.password,
      );
      if (!user) return error(res, 401, 'user_invalid_credentials');
      const id = `s${sessions.size + 1}`;
      sessions.set(id, user.email);
      return send(
        res,
        201,
        { $id: id, secret: '' },
        { 'set-cookie': `a_session_console=${id}; path=/; httponly` },
      );
    }
    if (req.method === 'PATCH' && path === '/v1/account/password') {
      const user = users.find((u) => u.email === sessions.get(session ?? ''));
      if (!user) return error(res, 401, 'user_unauthorized');
      if (user.password !== body.oldPassword) return error(res, 401, 'user_invalid_credentials');
      user.password = String(body.password);
      return send(res, 200, { $id: 'u1' });
    }
    if (req.method === 'DELETE' && path === '/v1/account/sessions/current') {
      sessions.delete(session ?? '');
      res.writeHead(204).end();
      return;
    }
    return error(res, 404, 'general_route_not_found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  /** Caddy's path matcher (case-insensitive, `*` at the end matches any rest): all but what passes shut. */
  function gated(method: string, pathname: string) {
    const path = pathname.toLowerCase().replace(/\/{2,}/g, '/');
    const matches = (patterns: readonly string[]) =>
      patterns.some((pattern) =>
        pattern.endsWith('*') ? path.startsWith(pattern.slice(0, -1)) : path === pattern,
      );
    const { health, console } = CONSOLE_GATE.shut;
    const passes =
      ((health.methods as readonly string[]).includes(method) && matches(health.paths)) ||
      matches(console.paths);
    return !passes;
  }
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    sessions,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
