import type { SSMClient } from '@aws-sdk/client-ssm';
import type { Env } from '../basics/settings';
import { type HttpFetch, httpFetch } from './http/fetch';

/**
 * Where a function's secrets come from.
 *
 * - On AWS, the deployed function's environment has `SECRETS_SSM_PATH` (e.g. `/appwrite-cloud/prod/`)
 *   and no secret: each secret is the SecureString parameter `<path><SETTING_NAME>`, read once per
 *   cold start through the AWS Parameters and Secrets Lambda Extension, a layer every function
 *   carries (serverless.yml; plugins/settings-plugin.ts sets its environment, with
 *   `PARAMETERS_SECRETS_EXTENSION_HTTP_PORT`): one local GET per parameter, decrypted, over
 *   loopback, with no AWS SDK in the function (loading it cost 90 ms of every cold start,
 *   BENCHMARKS.md section 6). The extension signs the SSM call with the function's own role, so
 *   each function still reads only its own parameters.
 *   https://docs.aws.amazon.com/systems-manager/latest/userguide/ps-integration-lambda-extensions.html
 * - Where no extension runs (the operator's scripts, e.g. scripts/template.ts), the same
 *   parameters are read with the AWS SDK's GetParameters, in batches of 10.
 * - Anywhere else (`npm start`, the tests), there is no `SECRETS_SSM_PATH` and secrets are plain
 *   environment variables, as in .env.example.
 */
export const SECRETS_PATH_VARIABLE = 'SECRETS_SSM_PATH';
/** Set on every deployed function that has secrets: the extension's port (2773 by default). */
export const EXTENSION_PORT_VARIABLE = 'PARAMETERS_SECRETS_EXTENSION_HTTP_PORT';
/** The longest wait for one parameter from the extension (its own SSM timeout is set below it). */
export const EXTENSION_TIMEOUT_MS = 4000;

export interface SecretsOptions {
  /** The extension's client (tests, the bench); lib/platform/http's otherwise. */
  fetch?: HttpFetch;
  /** Without the extension: an SSM client (tests); the SDK's default client otherwise. */
  client?: SSMClient;
  /** Secrets the operator may leave out (`r.optionalSecret`): no parameter is not a problem. */
  optional?: readonly string[];
}

export class SecretsError extends Error {
  override readonly name = 'SecretsError';
  constructor(readonly problems: readonly string[]) {
    super(`Cannot read the secrets from SSM Parameter Store:\n- ${problems.join('\n- ')}`);
  }
}

/** `/appwrite-cloud/prod` or `/appwrite-cloud/prod/` → `/appwrite-cloud/prod/`. */
export function normalisePath(path: string): string {
  return path.endsWith('/') ? path : `${path}/`;
}

/**
 * The environment a function's configuration is read from: `env`, plus, when `SECRETS_SSM_PATH` is
 * set, the named secrets read from SSM (and only from there: a secret found in the environment is
 * refused, because it would be visible to anyone who can read the function's configuration).
 */
export async function withSecrets(
  env: Env,
  names: readonly string[],
  options: SecretsOptions = {},
): Promise<Env> {
  const path = env[SECRETS_PATH_VARIABLE]?.trim();
  if (!path) return env;
  const inEnvironment = names.filter((name) => env[name] !== undefined && env[name] !== '');
  if (inEnvironment.length > 0)
    throw new SecretsError(
      inEnvironment.map(
        (name) => `${name} must not be an environment variable when ${SECRETS_PATH_VARIABLE} is set`,
      ),
    );
  if (names.length === 0) return env;
  const port = env[EXTENSION_PORT_VARIABLE]?.trim();
  const read = port
    ? await readThroughExtension(env, port, normalisePath(path), names, options.fetch ?? httpFetch)
    : await readWithSdk(normalisePath(path), names, options.client);
  return { ...env, ...collect(read, normalisePath(path), names, options.optional ?? []) };
}

/** Per name: its value, or why it could not be read (never a value). */
type Read = Map<string, { value: string } | { problem: string }>;

function collect(read: Read, path: string, names: readonly string[], optional: readonly string[]): Env {
  const problems: string[] = [];
  const found: Env = {};
  for (const name of names) {
    const outcome = read.get(name);
    if (outcome && 'value' in outcome) found[name] = outcome.value;
    else if (!optional.includes(name))
      problems.push(
        `${name}: parameter ${path}${name} is missing or not readable by this function` +
          (outcome ? ` (${outcome.problem})` : ''),
      );
  }
  if (problems.length > 0) throw new SecretsError(problems);
  return found;
}

/**
 * One GET per parameter, all at once: `/systemsmanager/parameters/get?name=<name>&withDecryption=true`
 * with the function's session token in `X-Aws-Parameters-Secrets-Token`, answered with
 * GetParameter's JSON (`{ Parameter: { Value } }`). AWS documents no error answer: any other
 * status means not readable, and its first line (SSM's error name and message, never a value) is
 * kept for the log.
 */
async function readThroughExtension(
  env: Env,
  port: string,
  path: string,
  names: readonly string[],
  fetch: HttpFetch,
): Promise<Read> {
  const headers = { 'X-Aws-Parameters-Secrets-Token': env.AWS_SESSION_TOKEN ?? '' };
  const base = `http://localhost:${port}/systemsmanager/parameters/get?withDecryption=true&name=`;
  const outcomes = await Promise.all(
    names.map(async (name) => {
      try {
        const signal = AbortSignal.timeout(EXTENSION_TIMEOUT_MS);
        const answer = await fetch(base + encodeURIComponent(path + name), { headers, signal });
        const text = await answer.text();
        if (answer.status !== 200)
          return { problem: `the extension answered HTTP ${answer.status}: ${firstLine(text)}` };
        const value = (JSON.parse(text) as { Parameter?: { Value?: unknown } }).Parameter?.Value;
        return typeof value === 'string' ? { value } : { problem: 'the extension answered no value' };
      } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
        return { problem: `no answer from the Parameters and Secrets extension on port ${port} (${cause})` };
      }
    }),
  );
  return new Map(names.map((name, i) => [name, outcomes[i] ?? { problem: 'not read' }]));
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').slice(0, 200);
}

async function readWithSdk(path: string, names: readonly string[], client?: SSMClient): Promise<Read> {
  const { GetParametersCommand, SSMClient } = await import('@aws-sdk/client-ssm');
  const ssm = client ?? new SSMClient({});
  const read: Read = new Map();
  for (let i = 0; i < names.length; i += 10) {
    const batch = names.slice(i, i + 10);
    try {
      const answer = await ssm.send(
        new GetParametersCommand({ Names: batch.map((name) => path + name), WithDecryption: true }),
      );
      for (const p of answer.Parameters ?? [])
        if (p.Name?.startsWith(path) && typeof p.Value === 'string')
          read.set(p.Name.slice(path.length), { value: p.Value });
    } catch (error) {
      // The SDK's message names the action and the resource, never a value.
      for (const name of batch)
        read.set(name, { problem: `${(error as Error).name}: ${(error as Error).message}` });
    }
  }
  return read;
}
