import { GetParameterCommand, GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { SecretsError, withSecrets } from '../../../lib/platform/secrets';

// Where no extension runs (the operator's scripts), SSM is read with the SDK, faked here at its
// boundary. The deployed functions' path, through the extension, is tested against its stand-in
// in tests/integration/platform/secrets.test.ts.
const ssm = mockClient(SSMClient);
beforeEach(() => ssm.reset());

const PATH = '/appwrite-cloud/prod/';
const client = new SSMClient({
  region: 'eu-west-3',
  credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
});

function parameters(values: Record<string, string>, invalid: string[] = []) {
  ssm.on(GetParametersCommand).callsFake((input: { Names: string[] }) => ({
    Parameters: input.Names.filter((n) => n in values).map((n) => ({
      Name: n,
      Value: values[n],
      Type: 'SecureString',
    })),
    InvalidParameters: [...input.Names.filter((n) => !(n in values)), ...invalid],
  }));
}

async function problemsOf(promise: Promise<unknown>): Promise<readonly string[]> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SecretsError) return error.problems;
    throw error;
  }
  throw new Error('expected a SecretsError');
}

describe('secrets', () => {
  it('reads secrets from the environment, without touching AWS, when no SSM path is set', async () => {
    const env = { ACTIONS_SECRET: 'from-the-environment' };
    await expect(withSecrets(env, ['ACTIONS_SECRET'], { client })).resolves.toBe(env);
    expect(ssm.calls()).toHaveLength(0);
  });

  it('reads each secret from <path><NAME>, decrypted, in one batch, when SECRETS_SSM_PATH is set', async () => {
    parameters({
      [`${PATH}ACTIONS_SECRET`]: 'actions-from-ssm',
      [`${PATH}QOVERY_API_TOKEN`]: 'token-from-ssm',
    });
    const env = await withSecrets(
      { SECRETS_SSM_PATH: '/appwrite-cloud/prod', LOG_LEVEL: 'info' },
      ['ACTIONS_SECRET', 'QOVERY_API_TOKEN'],
      { client },
    );
    expect(env).toEqual({
      SECRETS_SSM_PATH: '/appwrite-cloud/prod',
      LOG_LEVEL: 'info',
      ACTIONS_SECRET: 'actions-from-ssm',
      QOVERY_API_TOKEN: 'token-from-ssm',
    });
    const calls = ssm.commandCalls(GetParametersCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({
      Names: [`${PATH}ACTIONS_SECRET`, `${PATH}QOVERY_API_TOKEN`],
      WithDecryption: true,
    });
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(0);
  });

  it('lists every missing parameter at once, with its full name', async () => {
    parameters({ [`${PATH}ACTIONS_SECRET`]: 'actions-from-ssm' });
    const found = await problemsOf(
      withSecrets(
        { SECRETS_SSM_PATH: PATH },
        ['ACTIONS_SECRET', 'HASURA_GRAPHQL_ADMIN_SECRET', 'QOVERY_API_TOKEN'],
        { client },
      ),
    );
    expect(found).toEqual([
      `HASURA_GRAPHQL_ADMIN_SECRET: parameter ${PATH}HASURA_GRAPHQL_ADMIN_SECRET is missing or not readable by this function`,
      `QOVERY_API_TOKEN: parameter ${PATH}QOVERY_API_TOKEN is missing or not readable by this function`,
    ]);
  });

  it('refuses a secret given as an environment variable when secrets come from SSM', async () => {
    const found = await problemsOf(
      withSecrets(
        { SECRETS_SSM_PATH: PATH, ACTIONS_SECRET: 'leaked-into-the-environment' },
        ['ACTIONS_SECRET'],
        {
          client,
        },
      ),
    );
    expect(found).toEqual([
      'ACTIONS_SECRET must not be an environment variable when SECRETS_SSM_PATH is set',
    ]);
    expect(found.join()).not.toContain('leaked-into-the-environment');
    expect(ssm.calls()).toHaveLength(0);
  });

  it('reports a refused read (IAM) without any value', async () => {
    ssm.on(GetParametersCommand).rejects(
      Object.assign(new Error('User is not authorized to perform: ssm:GetParameters'), {
        name: 'AccessDeniedException',
      }),
    );
    const found = await problemsOf(withSecrets({ SECRETS_SSM_PATH: PATH }, ['ACTIONS_SECRET'], { client }));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/AccessDeniedException/);
  });

  it('lets an optional secret (r.optionalSecret) be absent from SSM', async () => {
    parameters({ [`${PATH}ACTIONS_SECRET`]: 'actions-from-ssm' });
    const env = await withSecrets({ SECRETS_SSM_PATH: PATH }, ['ACTIONS_SECRET', 'APPWRITE_SMTP_PASSWORD'], {
      client,
      optional: ['APPWRITE_SMTP_PASSWORD'],
    });
    expect(env).toEqual({ SECRETS_SSM_PATH: PATH, ACTIONS_SECRET: 'actions-from-ssm' });
  });
});
