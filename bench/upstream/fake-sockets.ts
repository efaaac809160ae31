import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { type Duplex, duplexPair } from 'node:stream';
import type * as Tls from 'node:tls';
import type { FakeUpstreams } from './fake-fetch';

/**
 * Connects the bench's HTTPS upstreams (`*.bench.invalid`) to the in-memory ones, in process:
 * `tls.connect` (which node:https calls for every new connection) hands out one end of an
 * in-memory stream pair, the other end goes to an HTTP server that answers from `upstreams`. The
 * client side runs as it does on Lambda (node:https loaded, requests written and answers parsed,
 * keep-alive), without the network or the TLS handshake. Nothing is loaded ahead: `tls.connect`
 * is replaced when the client first loads node:https (lib/platform/http asks for it with
 * `process.getBuiltinModule`), so loading https and tls stays in the client's time, and the server
 * is made (node:http loaded for it) at the first connection.
 */
const HOST_SUFFIX = '.bench.invalid';

/** What node:http expects of a socket beyond a stream, as no-ops: no network under it. */
function asSocket(stream: Duplex, secure: boolean): Duplex {
  const self = () => stream;
  return Object.assign(stream, {
    setNoDelay: self,
    setKeepAlive: self,
    setTimeout: self,
    ref: self,
    unref: self,
    remoteAddress: '127.0.0.1',
    remotePort: 443,
    encrypted: secure,
    authorized: secure,
    connecting: false,
  });
}

export function installFakeSockets(upstreams: FakeUpstreams): void {
  let server: Server | undefined;
  const serve = (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = chunks.length > 0 ? Buffer.concat(chunks).toString('utf8') : undefined;
      const url = new URL(request.url ?? '/', `https://${request.headers.host}`);
      const { answer, sent } = upstreams.answer(request.method ?? 'GET', url, body);
      response.on('finish', sent);
      response.writeHead(
        answer.status,
        answer.body === undefined ? {} : { 'content-type': 'application/json' },
      );
      response.end(answer.body);
    });
  };
  const patch = (tls: typeof Tls) => {
    const original = tls.connect;
    const fake = (...args: unknown[]) => {
      const options = (typeof args[0] === 'object' ? args[0] : args[1]) as {
        host?: string;
        servername?: string;
      };
      const host = options?.servername ?? options?.host ?? '';
      if (!host.endsWith(HOST_SUFFIX)) return (original as (...a: unknown[]) => Tls.TLSSocket)(...args);
      server ??= process.getBuiltinModule('node:http').createServer(serve);
      const [client, side] = duplexPair();
      server.emit('connection', asSocket(side, false));
      const socket = asSocket(client, true);
      process.nextTick(() => socket.emit('secureConnect'));
      return socket;
    };
    tls.connect = fake as typeof tls.connect;
  };
  const getBuiltinModule = process.getBuiltinModule;
  let patched = false;
  process.getBuiltinModule = ((id: string) => {
    const module = getBuiltinModule.call(process, id);
    if (!patched && (id === 'node:https' || id === 'https')) {
      patched = true;
      patch(getBuiltinModule.call(process, 'node:tls') as typeof Tls);
    }
    return module;
  }) as typeof process.getBuiltinModule;
}
