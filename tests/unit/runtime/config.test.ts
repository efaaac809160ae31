import { ConfigError } from '../../../lib/basics/settings';
import { configProblems, loadConfig, secretsOf, settingsOf } from '../../../lib/runtime/config';

const KEY = 'k'.repeat(32);
const valid = {
  HASURA_GRAPHQL_ENDPOINT: 'http://localhost:8080/v1/graphql',
  HASURA_GRAPHQL_ADMIN_SECRET: 'admin-secret-value',
  HASURA_GRAPHQL_JWT_SECRET: JSON.stringify({ type: 'HS256', key: KEY }),
  ACTIONS_SECRET: 'actions-secret-value',
  QOVERY_API_TOKEN: 'qovery-token-value',
  QOVERY_PROJECT_ID: '2d1c4b9e-6f0a-4c3e-9b7d-1a2b3c4d5e6f',
  QOVERY_REGISTRY_ID: '7e2c1a90-0000-4000-8000-0000000d0c4e',
  // Required with a real Qovery: each stage's own (lib/instances/settings.ts).
  QOVERY_ENVIRONMENT_PREFIX: 'prod',
  QOVERY_DEPLOYMENT_ID: '0a1b2c3d4e5f',
};

type Section = Parameters<typeof loadConfig>[1][number];

function problems(
  env: Record<string, string | undefined>,
  sections: Section[] = ['core', 'actions', 'jwt', 'auth'],
) {
  try {
    loadConfig(env, sections);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('configuration', () => {
  it('reads a complete environment with the documented defaults', () => {
    const config = loadConfig(valid, ['core', 'actions', 'jwt', 'auth', 'limits', 'qovery']);
    expect(config.core.hasura).toEqual({
      endpoint: 'http://localhost:8080/v1/graphql',
      adminSecret: 'admin-secret-value',
      timeoutMs: 5000,
    });
    expect(config.jwt).toMatchObject({
      claimsNamespace: 'https://hasura.io/jwt/claims',
      claimsFormat: 'json',
    });
    expect(new TextDecoder().decode(config.jwt.key)).toBe(KEY);
    expect(config.auth).toEqual({
      bcryptCost: 10,
      accessTokenTtlSeconds: 900,
      refreshTokenTtlSeconds: 2592000,
      sessionMaxSeconds: 2592000,
      maxSessionsPerUser: 10,
    });
    expect(config.limits).toEqual({
      windowSeconds: 60,
      perUser: 30,
      perAddress: 30,
      signupsPerAddressPerHour: 5,
      signupsPerHour: 200,
      signinMaxFailures: 10,
      signinWindowSeconds: 300,
      signinMaxFailuresPerEmail: 100,
      signinEmailWindowSeconds: 3600,
      clientAddressDepth: 2,
      mailsPerEmailPerWindow: 2,
      mailWindowSeconds: 300,
      mailsPerAddressPerHour: 20,
      mailsPerHour: 1000,
    });
    expect(config.qovery).toMatchObject({ apiUrl: 'https://api.qovery.com', maxProjectsPerUser: 3 });
    expect(config.actions.budgetMs).toBe(25000);
  });

  it('reports every missing setting in one error, naming each variable', () => {
    const found = problems({}, ['core', 'actions', 'jwt', 'auth', 'qovery']);
    expect(found).toEqual(
      expect.arrayContaining([
        'HASURA_GRAPHQL_ENDPOINT is required',
        'HASURA_GRAPHQL_ADMIN_SECRET is required',
        'HASURA_GRAPHQL_JWT_SECRET is required',
        'ACTIONS_SECRET is required',
        'QOVERY_API_TOKEN is required',
        'QOVERY_PROJECT_ID is required',
        'QOVERY_REGISTRY_ID is required',
      ]),
    );
    expect(() => loadConfig({}, ['core', 'actions', 'jwt'])).toThrow(/Invalid configuration \(4 problems\)/);
  });

  it('treats blank values as missing', () => {
    expect(problems({ ...valid, ACTIONS_SECRET: '   ' })).toEqual(['ACTIONS_SECRET is required']);
  });

  it.each([
    ['not JSON', 'HS256:key', /must be JSON/],
    ['another algorithm', JSON.stringify({ type: 'RS256', key: KEY }), /"type" must be "HS256"/],
    ['a short key', JSON.stringify({ type: 'HS256', key: 'short' }), /at least 32 characters/],
    [
      'a JWK URL',
      JSON.stringify({ type: 'HS256', key: KEY, jwk_url: 'https://x' }),
      /"jwk_url" is not supported/,
    ],
    [
      'a bad claims format',
      JSON.stringify({ type: 'HS256', key: KEY, claims_format: 'xml' }),
      /"claims_format"/,
    ],
    ['a bad audience', JSON.stringify({ type: 'HS256', key: KEY, audience: 3 }), /"audience"/],
  ])('refuses a JWT secret with %s', (_label, value, message) => {
    const found = problems({ ...valid, HASURA_GRAPHQL_JWT_SECRET: value });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(message);
  });

  it('reads issuer, audience, namespace and format from the JWT secret, as Hasura does', () => {
    const jwt = JSON.stringify({
      type: 'HS256',
      key: KEY,
      issuer: 'cloud',
      audience: ['a', 'b'],
      claims_namespace: 'ns',
      claims_format: 'stringified_json',
    });
    expect(loadConfig({ ...valid, HASURA_GRAPHQL_JWT_SECRET: jwt }, ['jwt']).jwt).toMatchObject({
      issuer: 'cloud',
      audience: ['a', 'b'],
      claimsNamespace: 'ns',
      claimsFormat: 'stringified_json',
    });
  });

  it('reads the deployment prefix of environment names, and refuses one Qovery could not carry', () => {
    expect(loadConfig(valid, ['qovery']).qovery).toMatchObject({
      environmentPrefix: 'prod',
      deploymentId: '0a1b2c3d4e5f',
    });
    expect(problems({ ...valid, QOVERY_ENVIRONMENT_PREFIX: 'Prod_1' }, ['qovery'])).toEqual([
      expect.stringMatching(/^QOVERY_ENVIRONMENT_PREFIX must be lower-case letters/),
    ]);
    for (const id of ['short', 'UPPER01234', '0a1b-2c3d4e', 'x'.repeat(17)])
      expect(problems({ ...valid, QOVERY_DEPLOYMENT_ID: id }, ['qovery'])).toEqual([
        expect.stringMatching(/^QOVERY_DEPLOYMENT_ID must be 8 to 16 lower-case letters and digits/),
      ]);
  });

  it('requires a prefix and a deployment id with a real Qovery, so that two deployments on one project never take each other for orphans', () => {
    // The old default: no prefix, every deployment named its environments `appwrite-<row id>`.
    const legacy = { ...valid, QOVERY_ENVIRONMENT_PREFIX: '', QOVERY_DEPLOYMENT_ID: undefined };
    expect(problems(legacy, ['qovery'])).toEqual([
      expect.stringMatching(/^QOVERY_ENVIRONMENT_PREFIX is required: a name of this stage/),
      expect.stringMatching(/^QOVERY_DEPLOYMENT_ID is required: a random id of this deployment/),
    ]);
    // The local stand-in (npm start, the tests) may do without either.
    const local = { ...legacy, QOVERY_API_URL: 'http://127.0.0.1:4000' };
    expect(loadConfig(local, ['qovery']).qovery).toMatchObject({ environmentPrefix: '' });
    expect(loadConfig(local, ['qovery']).qovery.deploymentId).toBeUndefined();
    expect(problems({ ...legacy, QOVERY_API_URL: 'https://127.0.0.1.example.com' }, ['qovery'])).toHaveLength(
      2,
    );
  });

  it('never lets the bcrypt cost go below 10', () => {
    expect(problems({ ...valid, BCRYPT_COST: '4' })).toEqual([
      'BCRYPT_COST must be an integer from 10 to 15',
    ]);
    expect(loadConfig({ ...valid, BCRYPT_COST: '12' }, ['auth']).auth.bcryptCost).toBe(12);
  });

  it.each([
    ['HASURA_GRAPHQL_ENDPOINT', 'localhost:8080', 'HASURA_GRAPHQL_ENDPOINT must be an https URL'],
    ['ACCESS_TOKEN_TTL_SECONDS', '15m', 'ACCESS_TOKEN_TTL_SECONDS must be an integer from 60 to 86400'],
    ['LOG_LEVEL', 'loud', 'LOG_LEVEL must be one of debug, info, warn, error, silent'],
    ['ACTIONS_SECRET', 'short', 'ACTIONS_SECRET must be at least 16 characters'],
  ])('refuses an invalid %s', (name, value, message) => {
    expect(problems({ ...valid, [name]: value })).toEqual([message]);
  });

  it('never puts a secret value in its error', () => {
    const env = {
      ...valid,
      HASURA_GRAPHQL_JWT_SECRET: JSON.stringify({ type: 'HS512', key: 'super-secret-short' }),
      ACTIONS_SECRET: 'tiny-secret',
    };
    expect(() => loadConfig(env, ['actions', 'jwt'])).toThrow(ConfigError);
    const message = (() => {
      try {
        loadConfig(env, ['actions', 'jwt']);
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message).not.toContain('super-secret-short');
    expect(message).not.toContain('tiny-secret');
  });

  it('lists the secret values, for the logger to mask', () => {
    expect(secretsOf(loadConfig(valid, ['core', 'actions', 'jwt', 'qovery']))).toEqual(
      expect.arrayContaining(['admin-secret-value', 'actions-secret-value', KEY, 'qovery-token-value']),
    );
  });

  it.each([
    ['HASURA_GRAPHQL_ENDPOINT', 'http://hasura.example.com/v1/graphql'],
    ['QOVERY_API_URL', 'http://api.qovery.com'],
  ])('refuses plain http for %s except on loopback', (name, value) => {
    expect(problems({ ...valid, [name]: value }, ['core', 'qovery'])).toEqual([
      `${name} must use https (plain http is only accepted on localhost)`,
    ]);
  });

  it.each([
    'http://localhost:8080/v1/graphql',
    'http://127.0.0.1:8080',
    'http://[::1]:8080',
    'https://hasura.example.com',
  ])('accepts %s as an endpoint', (url) => {
    expect(
      problems({ ...valid, HASURA_GRAPHQL_ENDPOINT: url, QOVERY_API_URL: url }, ['core', 'qovery']),
    ).toEqual([]);
  });

  it('refuses Qovery ids that are not UUIDs, listing each one, before anything reaches Qovery', () => {
    const found = problems(
      {
        ...valid,
        QOVERY_PROJECT_ID: 'my-project',
        QOVERY_REGISTRY_ID: 'docker-hub',
        QOVERY_CLUSTER_ID: '1234',
        QOVERY_TEMPLATE_ENVIRONMENT_ID: 'template',
      },
      ['qovery'],
    );
    expect(found).toEqual(
      ['QOVERY_PROJECT_ID', 'QOVERY_CLUSTER_ID', 'QOVERY_REGISTRY_ID', 'QOVERY_TEMPLATE_ENVIRONMENT_ID'].map(
        (name) => `${name} must be a UUID (the id shown in Qovery's console or API)`,
      ),
    );
    expect(
      loadConfig({ ...valid, QOVERY_CLUSTER_ID: 'A1B2C3D4-0000-4000-8000-000000000001' }, ['qovery']).qovery
        .clusterId,
    ).toBe('A1B2C3D4-0000-4000-8000-000000000001');
  });

  it('declares which settings are secrets, section by section', () => {
    expect(settingsOf(['jwt'])).toEqual([{ name: 'HASURA_GRAPHQL_JWT_SECRET', secret: true }]);
    const qovery = settingsOf(['qovery']);
    expect(qovery.filter((s) => s.secret).map((s) => s.name)).toEqual(['QOVERY_API_TOKEN']);
    expect(qovery.map((s) => s.name)).toEqual(
      expect.arrayContaining(['QOVERY_API_URL', 'QOVERY_PROJECT_ID', 'QOVERY_REGISTRY_ID']),
    );
    expect(
      settingsOf(['core', 'actions'])
        .filter((s) => s.secret)
        .map((s) => s.name),
    ).toEqual(['HASURA_GRAPHQL_ADMIN_SECRET', 'ACTIONS_SECRET']);
    // Every setting of the instances and their storage is declared, even the ones that only
    // matter when another is set (the executor's secret, an S3-compatible provider's keys).
    const instance = settingsOf(['instance', 'storage']);
    expect(instance.filter((s) => s.secret).map((s) => s.name)).toEqual([
      'APPWRITE_SMTP_PASSWORD',
      'APPWRITE_EXECUTOR_SECRET',
      'CONSOLE_CLAIM_KEY',
      'STORAGE_SECRET_ACCESS_KEY',
    ]);
    expect(instance.map((s) => s.name)).toEqual(
      expect.arrayContaining([
        'APPWRITE_VERSION',
        'APPWRITE_SIZES',
        'APPWRITE_SMTP_HOST',
        'STORAGE_ENDPOINT',
      ]),
    );
  });

  it('reads the operator settings of every instance, with defaults sized for a small production', () => {
    const claim = { CONSOLE_CLAIM_KEY: 'c'.repeat(32), STORAGE_BUCKET_ID: '9f8e7d6c5b' };
    const { instance, storage } = loadConfig(claim, ['instance', 'storage']);
    expect(instance).toMatchObject({ version: '1.9.6', operatorEmail: 'noreply@appwrite.io' });
    expect(instance.smtp).toBeUndefined();
    expect(instance.executor).toBeUndefined();
    expect(instance.sizes.appwrite).toEqual({ cpu: 1000, memory: 1024 });
    expect(storage).toEqual({
      provider: 'aws',
      region: 'us-east-1',
      bucketPrefix: 'appwrite-cloud',
      bucketId: '9f8e7d6c5b',
    });
    const custom = loadConfig(
      {
        ...claim,
        APPWRITE_SIZES: '{"appwrite":{"cpu":2000},"mariadb":{"storage":50}}',
        APPWRITE_SMTP_HOST: 'smtp.example',
        APPWRITE_SMTP_PASSWORD: 'mail-password',
        STORAGE_PROVIDER: 's3-compatible',
        STORAGE_ENDPOINT: 'https://s3.example',
        STORAGE_ACCESS_KEY_ID: 'key',
        STORAGE_SECRET_ACCESS_KEY: 'secret-key',
      },
      ['instance', 'storage'],
    );
    expect(custom.instance.sizes.appwrite).toEqual({ cpu: 2000, memory: 1024 });
    expect(custom.instance.sizes.mariadb).toEqual({ cpu: 500, memory: 1024, storage: 50 });
    expect(custom.instance.smtp).toMatchObject({
      host: 'smtp.example',
      port: 587,
      password: 'mail-password',
    });
    expect(secretsOf(custom)).toEqual(expect.arrayContaining(['mail-password', 'secret-key']));
    expect(custom.storage.endpoint).toBe('https://s3.example');
  });

  it('lists every problem of the instance settings at once', () => {
    expect(
      configProblems(
        {
          APPWRITE_VERSION: '1.5.0',
          APPWRITE_SIZES: '{"appwrite":{"cpu":-1}}',
          APPWRITE_EXECUTOR_URL: 'http://executor.internal/v1',
          STORAGE_PROVIDER: 's3-compatible',
          STORAGE_BUCKET_PREFIX: 'Not_Valid',
        },
        ['instance', 'storage'],
      ),
    ).toEqual([
      'APPWRITE_VERSION must be one of 1.9.6',
      expect.stringMatching(/^APPWRITE_SIZES must be JSON/),
      'APPWRITE_EXECUTOR_SECRET of at least 16 characters is required with APPWRITE_EXECUTOR_URL',
      'CONSOLE_CLAIM_KEY is required',
      'STORAGE_BUCKET_PREFIX must be 3 to 42 lower-case letters, digits and dashes',
      expect.stringMatching(/^STORAGE_BUCKET_ID is required: a random part of bucket names/),
      'STORAGE_ENDPOINT (an http(s) URL) is required with STORAGE_PROVIDER=s3-compatible',
      'STORAGE_ACCESS_KEY_ID and STORAGE_SECRET_ACCESS_KEY are required with STORAGE_PROVIDER=s3-compatible',
    ]);
  });

  it('requires a random part in bucket names but for a stand-in on this machine, and room for the row id', () => {
    const claim = { CONSOLE_CLAIM_KEY: 'c'.repeat(32) };
    const local = {
      STORAGE_PROVIDER: 's3-compatible',
      STORAGE_ENDPOINT: 'http://127.0.0.1:4569',
      STORAGE_ACCESS_KEY_ID: 'key',
      STORAGE_SECRET_ACCESS_KEY: 'secret-key',
    };
    expect(loadConfig({ ...claim, ...local }, ['storage']).storage.bucketId).toBeUndefined();
    // A hosted S3-compatible provider shares its namespace between customers, as Amazon does.
    expect(problems({ ...local, STORAGE_ENDPOINT: 'https://s3.example' }, ['storage'])).toEqual([
      expect.stringMatching(/^STORAGE_BUCKET_ID is required/),
    ]);
    expect(problems({ STORAGE_BUCKET_ID: 'Not-Random' }, ['storage'])).toEqual([
      expect.stringMatching(/^STORAGE_BUCKET_ID must be 8 to 16 lower-case letters and digits/),
    ]);
    expect(
      problems({ STORAGE_BUCKET_ID: '0123456789abcdef', STORAGE_BUCKET_PREFIX: 'p'.repeat(40) }, ['storage']),
    ).toEqual(['STORAGE_BUCKET_PREFIX and STORAGE_BUCKET_ID together must be at most 52 characters']);
  });

  it('refuses a section name it does not know (a function module declaring a typo)', () => {
    expect(() => settingsOf(['core', 'nope'])).toThrow('Unknown settings section "nope"');
  });

  it('checks the plain settings alone when asked to skip the secrets (packaging has no secrets)', () => {
    const plainOnly = { HASURA_GRAPHQL_ENDPOINT: 'https://h.example.com', QOVERY_PROJECT_ID: 'x' };
    expect(configProblems(plainOnly, ['core', 'actions', 'jwt', 'qovery'], { secrets: 'skip' })).toEqual([
      "QOVERY_PROJECT_ID must be a UUID (the id shown in Qovery's console or API)",
      // Plain settings: packaging refuses a stage without them, before anything is built.
      expect.stringMatching(/^QOVERY_ENVIRONMENT_PREFIX is required/),
      expect.stringMatching(/^QOVERY_DEPLOYMENT_ID is required/),
      'QOVERY_REGISTRY_ID is required',
    ]);
  });
});
