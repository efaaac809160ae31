import type { SSMClient } from '@aws-sdk/client-ssm';
import type { Env } from '../basics/settings';

/**
 * Where a function's secrets come from.
 *
 * - On AWS, the deployed function's environment has `SECRETS_SSM_PATH` (e.g. `/appwrite-cloud/prod/`)
 *   and no secret: each secret is the SecureString parameter `<path><SETTING_NAME>`, read once per
 *   cold start with Powertools Parameters (`getParametersByName`, decrypted, batches of 10). The
 *   AWS SDK is provided by the Lambda runtime (external in the bundles) and only loaded here, so a
 *   function run locally never loads it.
 * - Anywhere else (`npm start`, the tests), there is no `SECRETS_SSM_PATH` and secrets are plain
 *   environment variables, as in .env.example.
 */
export const SECRETS_PATH_VARIABLE = 'SECRETS_SSM_PATH';

export interface SecretsOptions {
  /** An SSM client (tests, the bench); the Lambda runtime's default client otherwise. */
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
  return { ...env, ...(await readParameters(normalisePath(path), names, options)) };
}

async function readParameters(path: string, names: readonly string[], options: SecretsOptions): Promise<Env> {
  const { SSMProvider } = await import('@aws-lambda-powertools/parameters/ssm');
  const provider = new SSMProvider(options.client ? { awsSdkV3Client: options.client } : {});
  let values: Record<string, unknown> & { _errors?: string[] };
  try {
    values = await provider.getParametersByName(
      Object.fromEntries(names.map((name) => [`${path}${name}`, {}])),
      { decrypt: true, throwOnError: false },
    );
  } catch (error) {
    // The SDK's message names the action and the resource, never a value.
    throw new SecretsError([
      `reading ${path}* failed: ${(error as Error).name}: ${(error as Error).message}`,
    ]);
  }
  const failed = new Set(values._errors ?? []);
  const optional = new Set(options.optional ?? []);
  const problems: string[] = [];
  const found: Env = {};
  for (const name of names) {
    const value = values[`${path}${name}`];
    if (failed.has(`${path}${name}`) || typeof value !== 'string') {
      if (!optional.has(name))
        problems.push(`${name}: parameter ${path}${name} is missing or not readable by this function`);
    } else found[name] = value;
  }
  if (problems.length > 0) throw new SecretsError(problems);
  return found;
}
