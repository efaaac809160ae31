import type { Agent, IncomingMessage } from 'node:http';

/**
 * A small `fetch` for the functions' upstreams (Hasura, Qovery, the secrets extension), over
 * node:http / node:https with keep-alive connections, instead of Node's global `fetch`: undici,
 * which backs the global one, costs a cold start about 19 ms the first time `fetch`, `Headers` or
 * `Response` is touched (BENCHMARKS.md, section 2), node:http a fraction of it.
 *
 * It covers what our clients use, with fetch's behaviour: a method, headers as a plain object, a
 * string body, an AbortSignal; an answer with `ok`, `status`, `statusText`, `headers.get()`,
 * `text()` and `json()`. Errors are fetch's: the signal's reason when it aborts (a `TimeoutError`
 * for `AbortSignal.timeout`), `TypeError('fetch failed', { cause })` when no answer came. One
 * difference: the promise settles once the whole body is read (our clients read it at once), so
 * an abort or a broken connection during the body rejects the call itself.
 */

export interface HttpRequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal | null;
}

export interface HttpResponse {
  readonly ok: boolean;
  readonly status: number;
  readonly statusText: string;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
  json(): Promise<unknown>;
}

/** The global `fetch` is one too: tests may pass either. */
export type HttpFetch = (url: string | URL, init?: HttpRequestInit) => Promise<HttpResponse>;

export interface HttpFetchOptions {
  /** Idle keep-alive connections are closed after this long (undici's default is 4 s). */
  idleTimeoutMs?: number;
}

type Transport = { request: typeof import('node:http').request; agent: Agent };

/** A fetch with its own keep-alive pools (one per protocol, made on first use), and `close()`. */
export function createHttpFetch(options: HttpFetchOptions = {}): HttpFetch & { close(): void } {
  const transports = new Map<string, Transport>();
  // node:https (and TLS) is loaded only when an https URL is first asked for.
  const transport = (protocol: string): Transport | undefined => {
    if (protocol !== 'http:' && protocol !== 'https:') return undefined;
    let found = transports.get(protocol);
    if (!found) {
      const module = process.getBuiltinModule(protocol === 'https:' ? 'node:https' : 'node:http');
      const agent = new module.Agent({ keepAlive: true, timeout: options.idleTimeoutMs ?? 4000 });
      found = { request: module.request, agent };
      transports.set(protocol, found);
    }
    return found;
  };
  const fetch: HttpFetch = (input, init = {}) => {
    const url = typeof input === 'string' ? new URL(input) : input;
    const signal = init.signal ?? undefined;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const chosen = transport(url.protocol);
    if (!chosen) return Promise.reject(new TypeError(`fetch failed: unsupported protocol ${url.protocol}`));
    return send(chosen, url, init, signal);
  };
  return Object.assign(fetch, {
    close() {
      for (const { agent } of transports.values()) agent.destroy();
      transports.clear();
    },
  });
}

function send(
  { request, agent }: Transport,
  url: URL,
  init: HttpRequestInit,
  signal: AbortSignal | undefined,
): Promise<HttpResponse> {
  return new Promise<HttpResponse>((resolve, reject) => {
    const headers: Record<string, string> = { ...init.headers };
    if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body));
    const req = request(url, { method: init.method ?? 'GET', headers, agent });
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      outcome();
    };
    const fail = (cause: unknown) => settle(() => reject(new TypeError('fetch failed', { cause })));
    function onAbort() {
      settle(() => reject(signal?.reason));
      req.destroy();
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', fail);
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', fail);
      res.on('aborted', () => fail(new Error('the connection closed before the whole answer came')));
      res.on('end', () => settle(() => resolve(answer(res, Buffer.concat(chunks).toString('utf8')))));
    });
    req.end(init.body);
  });
}

function answer(res: IncomingMessage, body: string): HttpResponse {
  const status = res.statusCode ?? 0;
  return {
    ok: status >= 200 && status < 300,
    status,
    statusText: res.statusMessage ?? '',
    headers: {
      get(name: string) {
        const value = res.headers[name.toLowerCase()];
        if (value === undefined) return null;
        return Array.isArray(value) ? value.join(', ') : value;
      },
    },
    text: async () => body,
    json: async () => JSON.parse(body) as unknown,
  };
}

/** The functions' one instance: its connections are kept across invocations of a warm function. */
export const httpFetch = /* @__PURE__ */ createHttpFetch();
