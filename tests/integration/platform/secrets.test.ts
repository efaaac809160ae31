import { createHttpFetch } from '../../../lib/platform/http/fetch';
import { SecretsError, withSecrets } from '../../../lib/platform/secrets';
import { type ParametersExtension, startParametersExtension } from '../../../sandbox/parameters-extension';

// A deployed function reads its secrets through the Parameters and Secrets Lambda Extension
// (lib/platform/secrets.ts); here through its stand-in on loopback.

const PATH = '/appwrite-cloud/prod/';
const TOKEN = 'session-token-of-the-function';
const fetch = createHttpFetch();
let extension: ParametersExtension;

beforeAll(async () => {
  extension = await startParametersExtension({
    token: TOKEN,
    parameters: {
      [`${PATH}ACTIONS_SECRET`]: 'actions-from-ssm',
      [`${PATH}QOVERY_API_TOKEN`]: 'token/with spaces&=',
      '/appwrite-cloud/other/ACTIONS_SECRET': 'not-ours',
    },
    // The function's role may read only its own parameters (plugins/settings-plugin.ts).
    readable: (name) => name.startsWith(PATH),
  });
});
afterAll(async () => {
  fetch.close();
  await extension.close();
});
beforeEach(() => {
  extension.requests.length = 0;
});

const awsEnv = () => ({
  SECRETS_SSM_PATH: '/appwrite-cloud/prod',
  PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(extension.port),
  AWS_SESSION_TOKEN: TOKEN,
  LOG_LEVEL: 'info',
});

async function problemsOf(promise: Promise<unknown>): Promise<readonly string[]> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error instanceof SecretsError) return error.problems;
  throw new Error(`expected a SecretsError, got ${String(error)}`);
}

describe('secrets through the Parameters and Secrets extension', () => {
  it('reads each secret from <path><NAME>, decrypted, with the session token, once each', async () => {
    const env = await withSecrets(awsEnv(), ['ACTIONS_SECRET', 'QOVERY_API_TOKEN'], { fetch });
    expect(env).toEqual({
      ...awsEnv(),
      ACTIONS_SECRET: 'actions-from-ssm',
      QOVERY_API_TOKEN: 'token/with spaces&=',
    });
    expect(extension.requests.map((r) => r.name).sort()).toEqual([
      `${PATH}ACTIONS_SECRET`,
      `${PATH}QOVERY_API_TOKEN`,
    ]);
    expect(extension.requests.every((r) => r.decrypted && r.token === TOKEN)).toBe(true);
  });

  it('lists every missing parameter at once, with its full name and SSM’s error, never a value', async () => {
    const found = await problemsOf(
      withSecrets(awsEnv(), ['ACTIONS_SECRET', 'HASURA_GRAPHQL_ADMIN_SECRET', 'QOVERY_API_TOKEN', 'JWT'], {
        fetch,
      }),
    );
    expect(found).toEqual([
      `HASURA_GRAPHQL_ADMIN_SECRET: parameter ${PATH}HASURA_GRAPHQL_ADMIN_SECRET is missing or not readable by this function (the extension answered HTTP 400: ParameterNotFound: ${PATH}HASURA_GRAPHQL_ADMIN_SECRET)`,
      `JWT: parameter ${PATH}JWT is missing or not readable by this function (the extension answered HTTP 400: ParameterNotFound: ${PATH}JWT)`,
    ]);
    expect(found.join()).not.toContain('actions-from-ssm');
  });

  it('reports a parameter its role may not read (IAM)', async () => {
    const found = await problemsOf(
      withSecrets({ ...awsEnv(), SECRETS_SSM_PATH: '/appwrite-cloud/other/' }, ['ACTIONS_SECRET'], { fetch }),
    );
    expect(found).toHaveLength(1);
    expect(found[0]).toContain('HTTP 400: AccessDeniedException');
    expect(found[0]).not.toContain('not-ours');
  });

  it('reports a refused token (no AWS_SESSION_TOKEN) and an extension that does not run', async () => {
    const { AWS_SESSION_TOKEN: _token, ...noToken } = awsEnv();
    expect(await problemsOf(withSecrets(noToken, ['ACTIONS_SECRET'], { fetch }))).toEqual([
      `ACTIONS_SECRET: parameter ${PATH}ACTIONS_SECRET is missing or not readable by this function (the extension answered HTTP 403: not authorized)`,
    ]);
    const closed = await startParametersExtension({ token: TOKEN });
    await closed.close();
    const down = await problemsOf(
      withSecrets(
        { ...awsEnv(), PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(closed.port) },
        ['ACTIONS_SECRET'],
        {
          fetch,
        },
      ),
    );
    expect(down[0]).toContain(
      `no answer from the Parameters and Secrets extension on port ${closed.port} (ECONNREFUSED)`,
    );
  });

  it('lets an optional secret be absent, and still refuses a secret in the environment', async () => {
    const env = await withSecrets(awsEnv(), ['ACTIONS_SECRET', 'SMTP_PASSWORD'], {
      fetch,
      optional: ['SMTP_PASSWORD'],
    });
    expect(env).toEqual({ ...awsEnv(), ACTIONS_SECRET: 'actions-from-ssm' });
    extension.requests.length = 0;
    const found = await problemsOf(
      withSecrets({ ...awsEnv(), ACTIONS_SECRET: 'leaked' }, ['ACTIONS_SECRET'], { fetch }),
    );
    expect(found).toEqual([
      'ACTIONS_SECRET must not be an environment variable when SECRETS_SSM_PATH is set',
    ]);
    expect(extension.requests).toHaveLength(0);
  });

  it('answers the stand-in’s 404 and 400 shapes to other requests', async () => {
    const base = `http://127.0.0.1:${extension.port}`;
    const headers = { 'X-Aws-Parameters-Secrets-Token': TOKEN };
    expect((await fetch(`${base}/secretsmanager/get?secretId=x`, { headers })).status).toBe(404);
    expect((await fetch(`${base}/systemsmanager/parameters/get`, { headers })).status).toBe(400);
    const encrypted = await fetch(
      `${base}/systemsmanager/parameters/get?name=${encodeURIComponent(`${PATH}ACTIONS_SECRET`)}`,
      {
        headers,
      },
    );
    expect(JSON.stringify(await encrypted.json())).not.toContain('actions-from-ssm');
  });
});
