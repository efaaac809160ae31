import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createHttpFetch } from '../../../../lib/platform/http/fetch';

/** A loopback server that answers with `handle`, and counts the connections it accepted. */
async function serve(handle: (req: IncomingMessage, body: string, res: ServerResponse) => void) {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => handle(req, body, res));
  });
  server.on('connection', (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('the functions’ fetch over node:http', () => {
  const fetch = createHttpFetch();
  afterAll(() => fetch.close());

  it('sends the method, headers and body, and answers status, headers and body as fetch does', async () => {
    const server = await serve((req, body, res) => {
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.writeHead(201, 'Made', {
        'content-type': 'application/json',
        'x-echo': String(req.headers['x-token']),
      });
      res.end(
        JSON.stringify({ method: req.method, url: req.url, body, length: req.headers['content-length'] }),
      );
    });
    try {
      const answer = await fetch(`${server.url}/path?q=é`, {
        method: 'POST',
        headers: { 'X-Token': 't0k' },
        body: '{"name":"émile"}',
      });
      expect(answer).toMatchObject({ ok: true, status: 201, statusText: 'Made' });
      expect(answer.headers.get('Content-Type')).toBe('application/json');
      expect(answer.headers.get('x-echo')).toBe('t0k');
      expect(answer.headers.get('absent')).toBeNull();
      expect(await answer.json()).toEqual({
        method: 'POST',
        url: '/path?q=%C3%A9',
        body: '{"name":"émile"}',
        length: String(Buffer.byteLength('{"name":"émile"}')),
      });
      const again = await fetch(new URL(`${server.url}/x`));
      expect(again.headers.get('set-cookie')).toBe('a=1, b=2');
    } finally {
      await server.close();
    }
  });

  it('answers an error status as a response, not as an error', async () => {
    const server = await serve((_req, _body, res) => {
      res.writeHead(503, { 'retry-after': '2' });
      res.end('busy');
    });
    try {
      const answer = await fetch(server.url);
      expect(answer).toMatchObject({ ok: false, status: 503 });
      expect(answer.headers.get('retry-after')).toBe('2');
      expect(await answer.text()).toBe('busy');
    } finally {
      await server.close();
    }
  });

  it('keeps the connection for the next requests (keep-alive)', async () => {
    const server = await serve((_req, _body, res) => res.end('ok'));
    try {
      for (let i = 0; i < 5; i++) expect(await (await fetch(server.url)).text()).toBe('ok');
      expect(server.connections()).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('rejects with the signal’s reason when it aborts, as fetch does, and leaves no request behind', async () => {
    let seen = 0;
    const server = await serve(() => {
      seen++; // never answers
    });
    try {
      const timedOut = await fetch(server.url, { signal: AbortSignal.timeout(50) }).catch((e: unknown) => e);
      expect(timedOut).toMatchObject({ name: 'TimeoutError' });
      const controller = new AbortController();
      controller.abort(new Error('stop'));
      await expect(fetch(server.url, { signal: controller.signal })).rejects.toThrow('stop');
      expect(seen).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('rejects with TypeError("fetch failed") and the cause when no answer comes', async () => {
    const server = await serve((req) => req.socket.destroy());
    const { url } = server;
    try {
      const reset = await fetch(url).catch((e: unknown) => e);
      expect(reset).toBeInstanceOf(TypeError);
      expect(reset).toMatchObject({ message: 'fetch failed' });
      expect((reset as Error).cause).toBeDefined();
    } finally {
      await server.close();
    }
    const refused = await fetch(url).catch((e: unknown) => e);
    expect(refused).toMatchObject({
      name: 'TypeError',
      message: 'fetch failed',
      cause: { code: 'ECONNREFUSED' },
    });
    await expect(fetch('ftp://127.0.0.1/')).rejects.toThrow('unsupported protocol');
  });

  it('rejects when the connection closes in the middle of the body', async () => {
    const server = await serve((_req, _body, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial');
      setTimeout(() => res.socket?.destroy(), 10);
    });
    try {
      await expect(fetch(server.url)).rejects.toMatchObject({ name: 'TypeError', message: 'fetch failed' });
    } finally {
      await server.close();
    }
  });
});
