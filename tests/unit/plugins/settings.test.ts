import { settingsOf } from '../../../lib/runtime/config';
import { EXTENSION_ENVIRONMENT, type ServerlessLike, SettingsPlugin } from '../../../plugins/settings-plugin';

/** The plugin's deploy-time checks, with a fake Serverless and a fake SSM behind `provider.request`. */

const KEY = 'k'.repeat(32);
const plain = {
  HASURA_GRAPHQL_ENDPOINT: 'https://hasura.example.com',
  QOVERY_PROJECT_ID: '2d1c4b9e-6f0a-4c3e-9b7d-1a2b3c4d5e6f',
  QOVERY_REGISTRY_ID: '7e2c1a90-0000-4000-8000-0000000d0c4e',
  QOVERY_ENVIRONMENT_PREFIX: 'prod',
  QOVERY_DEPLOYMENT_ID: '0a1b2c3d4e5f',
  STORAGE_BUCKET_ID: '9f8e7d6c5b',
};

function fakeServerless(parameters: Record<string, string>) {
  const requests: {
    service: string;
    method: string;
    params: { Names: string[]; WithDecryption: boolean };
  }[] = [];
  const serverless: ServerlessLike = {
    serviceDir: '/nowhere',
    service: {
      service: 'appwrite-cloud-functions',
      provider: { stage: 'prod', tracing: { lambda: true } },
      functions: {
        signup: { handler: 'functions/signup.handler', name: 'svc-prod-signup' },
        createProject: { handler: 'functions/create-project.handler', name: 'svc-prod-createProject' },
      },
    },
    processedInput: { commands: ['deploy'] },
    classes: { Error },
    getProvider: () => ({
      request: async (service: string, method: string, params: object) => {
        const p = params as { Names: string[]; WithDecryption: boolean };
        requests.push({ service, method, params: p });
        return {
          Parameters: p.Names.filter((n) => n in parameters).map((n) => ({ Name: n, Value: parameters[n] })),
          InvalidParameters: p.Names.filter((n) => !(n in parameters)),
        };
      },
    }),
  };
  return { serverless, requests };
}

const sections = async (file: string) =>
  file.endsWith('signup')
    ? (['core', 'actions', 'jwt', 'auth'] as const)
    : (['core', 'actions', 'qovery'] as const);

async function deployProblems(parameters: Record<string, string>, env: Record<string, string> = plain) {
  const { serverless, requests } = fakeServerless(parameters);
  const plugin = new SettingsPlugin(serverless, {}, {}, sections, env);
  const error = await Promise.resolve(plugin.hooks['before:package:initialize']?.()).then(
    () => undefined,
    (e: Error) => e,
  );
  return { message: error?.message ?? '', requests, serverless };
}

const P = '/appwrite-cloud/prod/';

describe('deploy', () => {
  it('reads every secret of every function from SSM, decrypted, and deploys when all are valid', async () => {
    const { message, requests, serverless } = await deployProblems({
      [`${P}HASURA_GRAPHQL_ADMIN_SECRET`]: 'admin-secret-value',
      [`${P}ACTIONS_SECRET`]: 'actions-secret-value',
      [`${P}HASURA_GRAPHQL_JWT_SECRET`]: JSON.stringify({ type: 'HS256', key: KEY }),
      [`${P}QOVERY_API_TOKEN`]: 'qovery-token-value',
    });
    expect(message).toBe('');
    expect(requests).toEqual([
      {
        service: 'SSM',
        method: 'getParameters',
        params: {
          Names: [
            'HASURA_GRAPHQL_ADMIN_SECRET',
            'ACTIONS_SECRET',
            'HASURA_GRAPHQL_JWT_SECRET',
            'QOVERY_API_TOKEN',
          ].map((n) => P + n),
          WithDecryption: true,
        },
      },
    ]);
    expect(serverless.service.functions.signup?.environment).toEqual({
      HASURA_GRAPHQL_ENDPOINT: 'https://hasura.example.com',
      POWERTOOLS_METRICS_NAMESPACE: 'AppWriteCloud/prod',
      SECRETS_SSM_PATH: P,
      // How it reads them: through the Parameters and Secrets extension, on its port, with a timeout.
      ...EXTENSION_ENVIRONMENT,
    });
    expect(EXTENSION_ENVIRONMENT).toMatchObject({
      PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: '2773',
      SSM_PARAMETER_STORE_TIMEOUT_MILLIS: '3000',
    });
    expect(JSON.stringify(serverless.service)).not.toMatch(/secret-value|token-value|kkkkkkkk/);
  });

  it('fails before the upload, listing missing parameters, invalid secrets and invalid plain settings together', async () => {
    const { message } = await deployProblems(
      {
        [`${P}HASURA_GRAPHQL_ADMIN_SECRET`]: 'admin-secret-value',
        [`${P}HASURA_GRAPHQL_JWT_SECRET`]: JSON.stringify({ type: 'HS256', key: 'short-jwt-key-value' }),
        [`${P}QOVERY_API_TOKEN`]: 'qovery-token-value',
      },
      { ...plain, QOVERY_PROJECT_ID: 'not-a-uuid' },
    );
    expect(message).toContain('(3 problems)');
    expect(message).toContain(`ACTIONS_SECRET: SSM parameter ${P}ACTIONS_SECRET is missing`);
    expect(message).toContain('HASURA_GRAPHQL_JWT_SECRET: "key" must be a string of at least 32 characters');
    expect(message).toContain('QOVERY_PROJECT_ID must be a UUID');
    expect(message).not.toContain('short-jwt-key-value');
  });

  it('gives each function its own role: its log group, traces, its parameters, its own extra statements', async () => {
    const { serverless } = fakeServerless({
      [`${P}HASURA_GRAPHQL_ADMIN_SECRET`]: 'admin-secret-value',
      [`${P}ACTIONS_SECRET`]: 'actions-secret-value',
      [`${P}HASURA_GRAPHQL_JWT_SECRET`]: JSON.stringify({ type: 'HS256', key: KEY }),
      [`${P}QOVERY_API_TOKEN`]: 'qovery-token-value',
    });
    const extra = { Effect: 'Allow', Action: ['ses:SendEmail'], Resource: '*' };
    const shared = { Effect: 'Allow', Action: ['dynamodb:UpdateItem'], Resource: 'arn:table' };
    (serverless.service.functions.signup as { iamStatements?: unknown[] }).iamStatements = [extra];
    serverless.service.provider.iam = { role: { statements: [shared] } };
    const plugin = new SettingsPlugin(serverless, {}, {}, sections, plain);
    await plugin.hooks['before:package:initialize']?.();
    const resources = serverless.service.resources?.Resources ?? {};
    const statements = (id: string) =>
      (resources[id] as { Properties: { Policies: { PolicyDocument: { Statement: unknown[] } }[] } })
        .Properties.Policies[0]?.PolicyDocument.Statement;
    expect(serverless.service.functions.signup?.role).toBe('SignupSettingsRole');
    expect(statements('SignupSettingsRole')).toEqual([
      expect.objectContaining({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'] }),
      expect.objectContaining({ Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'] }),
      expect.objectContaining({ Action: ['ssm:GetParameter'] }),
      shared,
      extra,
    ]);
    expect(statements('CreateProjectSettingsRole')).not.toContainEqual(extra);
    expect(JSON.stringify(statements('CreateProjectSettingsRole'))).not.toContain(
      'HASURA_GRAPHQL_JWT_SECRET',
    );
    expect(JSON.stringify(statements('SignupSettingsRole'))).not.toContain('QOVERY_API_TOKEN');
  });

  it('does not require the parameter of an optional secret (r.optionalSecret), but lets the role read it', async () => {
    const wanted = ['core', 'actions', 'qovery', 'instance'] as const;
    // Every required secret of these sections is there (whatever they are today); optional ones are not.
    const required = settingsOf(wanted).filter((s) => s.secret && !s.optional);
    expect(settingsOf(wanted)).toContainEqual({
      name: 'APPWRITE_SMTP_PASSWORD',
      secret: true,
      optional: true,
    });
    const { serverless } = fakeServerless(
      Object.fromEntries(required.map((s) => [`${P}${s.name}`, 'v'.repeat(48)])),
    );
    delete serverless.service.functions.signup;
    const optionalSections = async () => wanted;
    const plugin = new SettingsPlugin(serverless, {}, {}, optionalSections as never, plain);
    const error = await Promise.resolve(plugin.hooks['before:package:initialize']?.()).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toBeUndefined();
    const role = JSON.stringify(serverless.service.resources?.Resources?.CreateProjectSettingsRole);
    expect(role).toContain(`parameter${P}APPWRITE_SMTP_PASSWORD`);
  });
});
