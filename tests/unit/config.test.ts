import { ConfigError, loadConfig, secretsOf } from '../../lib/config';

const KEY = 'k'.repeat(32);
const valid = {
  HASURA_GRAPHQL_ENDPOINT: 'http://localhost:8080/v1/graphql',
  HASURA_GRAPHQL_ADMIN_SECRET: 'admin-secret-value',
  HASURA_GRAPHQL_JWT_SECRET: JSON.stringify({ type: 'HS256', key: KEY }),
  ACTIONS_SECRET: 'actions-secret-value',
  QOVERY_API_TOKEN: 'qovery-token-value',
  QOVERY_PROJECT_ID: 'project-1',
  QOVERY_REGISTRY_ID: 'registry-1',
};

function problems(
  env: Record<string, string | undefined>,
  sections: ('core' | 'auth' | 'qovery')[] = ['core', 'auth'],
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
    const config = loadConfig(valid, ['core', 'auth', 'qovery']);
    expect(config.core.hasura).toEqual({
      endpoint: 'http://localhost:8080/v1/graphql',
      adminSecret: 'admin-secret-value',
      timeoutMs: 5000,
    });
    expect(config.core.jwt).toMatchObject({
      claimsNamespace: 'https://hasura.io/jwt/claims',
      claimsFormat: 'json',
    });
    expect(new TextDecoder().decode(config.core.jwt.key)).toBe(KEY);
    expect(config.auth).toEqual({
      bcryptCost: 10,
      accessTokenTtlSeconds: 900,
      refreshTokenTtlSeconds: 2592000,
      signinMaxFailures: 10,
      signinWindowSeconds: 300,
    });
    expect(config.qovery).toMatchObject({ apiUrl: 'https://api.qovery.com', maxProjectsPerUser: 3 });
    expect(config.core.actionBudgetMs).toBe(25000);
  });

  it('reports every missing setting in one error, naming each variable', () => {
    const found = problems({}, ['core', 'auth', 'qovery']);
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
    expect(() => loadConfig({}, ['core'])).toThrow(/Invalid configuration \(4 problems\)/);
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
    expect(loadConfig({ ...valid, HASURA_GRAPHQL_JWT_SECRET: jwt }, ['core']).core.jwt).toMatchObject({
      issuer: 'cloud',
      audience: ['a', 'b'],
      claimsNamespace: 'ns',
      claimsFormat: 'stringified_json',
    });
  });

  it('never lets the bcrypt cost go below 10', () => {
    expect(problems({ ...valid, BCRYPT_COST: '4' })).toEqual([
      'BCRYPT_COST must be an integer from 10 to 15',
    ]);
    expect(loadConfig({ ...valid, BCRYPT_COST: '12' }, ['auth']).auth.bcryptCost).toBe(12);
  });

  it.each([
    ['HASURA_GRAPHQL_ENDPOINT', 'localhost:8080', 'HASURA_GRAPHQL_ENDPOINT must be an http(s) URL'],
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
    expect(() => loadConfig(env, ['core'])).toThrow(ConfigError);
    const message = (() => {
      try {
        loadConfig(env, ['core']);
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message).not.toContain('super-secret-short');
    expect(message).not.toContain('tiny-secret');
  });

  it('lists the secret values, for the logger to mask', () => {
    expect(secretsOf(loadConfig(valid, ['core', 'qovery']))).toEqual(
      expect.arrayContaining(['admin-secret-value', 'actions-secret-value', KEY, 'qovery-token-value']),
    );
  });
});
