import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for the AWS Parameters and Secrets Lambda Extension on loopback: what a deployed
 * function talks to for its secrets (lib/platform/secrets.ts).
 *
 * It answers as AWS documents it
 * (https://docs.aws.amazon.com/systems-manager/latest/userguide/ps-integration-lambda-extensions.html):
 * `GET /systemsmanager/parameters/get?name=<url-encoded name>&withDecryption=true`, with the
 * function's session token in `X-Aws-Parameters-Secrets-Token`, answers GetParameter's JSON. AWS
 * documents no error answer; this stand-in answers 404 to another path, 400 without a name,
 * 403 without the right token, and 400 with SSM's error (`ParameterNotFound`,
 * `AccessDeniedException`: the function's role may read only its own parameters) otherwise.
 * A SecureString asked for without `withDecryption=true` comes back encrypted, as SSM sends it.
 */

export interface ExtensionRequest {
  name: string | null;
  decrypted: boolean;
  token: string | undefined;
}

export interface ParametersExtension {
  port: number;
  /** Every request, in order. */
  requests: ExtensionRequest[];
  /** Parameters by full name (`/appwrite-cloud/test/ACTIONS_SECRET`); change them between calls. */
  parameters: Map<string, string>;
  close(): Promise<void>;
}

export interface ParametersExtensionOptions {
  /** The session token the function must send (its AWS_SESSION_TOKEN). */
  token: string;
  parameters?: Record<string, string>;
  /** The names the function's role may read (all by default): another is AccessDeniedException. */
  readable?: (name: string) => boolean;
}

export async function startParametersExtension(
  options: ParametersExtensionOptions,
): Promise<ParametersExtension> {
  const parameters = new Map(Object.entries(options.parameters ?? {}));
  const requests: ExtensionRequest[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const name = url.searchParams.get('name');
    const token = request.headers['x-aws-parameters-secrets-token'];
    const decrypted = url.searchParams.get('withDecryption') === 'true';
    requests.push({ name, decrypted, token: typeof token === 'string' ? token : undefined });
    const send = (status: number, body: string, type = 'text/plain') => {
      response.writeHead(status, { 'content-type': type });
      response.end(body);
    };
    if (request.method !== 'GET' || url.pathname.replace(/\/$/, '') !== '/systemsmanager/parameters/get')
      return send(404, 'not found');
    if (!name) return send(400, 'missing parameter name');
    if (token !== options.token) return send(403, 'not authorized');
    if (options.readable && !options.readable(name))
      return send(
        400,
        `AccessDeniedException: not authorized to perform: ssm:GetParameter on resource: ${name}`,
      );
    const value = parameters.get(name);
    if (value === undefined) return send(400, `ParameterNotFound: ${name}`);
    const shown = decrypted ? value : `AQICAH${Buffer.from(value).toString('base64')}`;
    return send(
      200,
      JSON.stringify({
        Parameter: { Name: name, Type: 'SecureString', Value: shown, Version: 1, DataType: 'text' },
        ResultMetadata: {},
      }),
      'application/json',
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    parameters,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
