import type { JwtSettings } from '../../../../lib/accounts/settings';
import { createAccessTokens } from '../../../../lib/accounts/tokens';
import { createHasuraEngine, type HasuraEngine } from '../../../../sandbox/hasura';
import {
  ADMIN_SECRET,
  asAdmin,
  baseEnv,
  bearer,
  firstError,
  type Harness,
  JWT_KEY,
  REPO_PROJECT,
  signJwt,
  startHarness,
  userToken,
} from './helpers';

let h: Harness;

beforeAll(async () => {
  h = await startHarness(REPO_PROJECT, baseEnv());
  await h.db.exec(
    `INSERT INTO public."user" (id, email, password_hash) VALUES (1, 'one@example.com', 'h1'), (2, 'two@example.com', 'h2')`,
  );
});

afterAll(() => h.close());

const whoAmI = '{ user { id } }';

async function engineWith(env: Record<string, string | undefined>): Promise<HasuraEngine> {
  return createHasuraEngine({ projectDir: REPO_PROJECT, db: h.db, env });
}

describe('admin secret', () => {
  it('makes the request admin when x-hasura-admin-secret matches', async () => {
    const body = await h.gql('{ user(order_by: {id: asc}) { id password_hash } }', asAdmin());
    expect(body).toEqual({
      data: {
        user: [
          { id: 1, password_hash: 'h1' },
          { id: 2, password_hash: 'h2' },
        ],
      },
    });
  });

  it('refuses a wrong admin secret with access-denied, whatever else the request carries', async () => {
    const body = await h.gql(whoAmI, { 'x-hasura-admin-secret': 'nope', ...bearer(userToken(1)) });
    expect(body).toEqual({
      errors: [
        {
          message: 'invalid x-hasura-admin-secret/x-hasura-access-key',
          extensions: { path: '$', code: 'access-denied' },
        },
      ],
    });
  });

  it('accepts the deprecated x-hasura-access-key header too', async () => {
    const body = await h.gql('{ user_aggregate { aggregate { count } } }', {
      'x-hasura-access-key': ADMIN_SECRET,
    });
    expect(body.data).toEqual({ user_aggregate: { aggregate: { count: 2 } } });
  });

  it('takes the role and session variables from x-hasura-* headers when the secret is right', async () => {
    const body = await h.gql(whoAmI, asAdmin({ 'x-hasura-role': 'user', 'X-Hasura-User-Id': '2' }));
    expect(body).toEqual({ data: { user: [{ id: 2 }] } });
  });

  it('answers admin-only fields to admin and hides them from a role', async () => {
    const body = await h.gql(
      '{ rate_limit { id } }',
      asAdmin({ 'x-hasura-role': 'user', 'x-hasura-user-id': '1' }),
    );
    expect(firstError(body)).toEqual({
      message: "field 'rate_limit' not found in type: 'query_root'",
      extensions: { path: '$.selectionSet.rate_limit', code: 'validation-failed' },
    });
  });
});

describe('JWT mode', () => {
  it('uses x-hasura-default-role and the claims as session variables', async () => {
    const body = await h.gql(whoAmI, bearer(userToken(1)));
    expect(body).toEqual({ data: { user: [{ id: 1 }] } });
  });

  it('lets x-hasura-role pick another allowed role', async () => {
    const token = userToken(1, {}, { 'x-hasura-allowed-roles': ['user', 'anonymous'] });
    const body = await h.gql('{ no_queries_available }', { ...bearer(token), 'x-hasura-role': 'anonymous' });
    expect(body.errors).toBeUndefined();
  });

  it('refuses an x-hasura-role outside x-hasura-allowed-roles', async () => {
    const body = await h.gql(whoAmI, { ...bearer(userToken(1)), 'x-hasura-role': 'admin' });
    expect(body).toEqual({
      errors: [
        {
          message: 'Your requested role is not in allowed roles',
          extensions: { path: '$', code: 'access-denied' },
        },
      ],
    });
  });

  it('refuses an expired token with invalid-jwt', async () => {
    const past = Math.floor(Date.now() / 1000) - 60;
    const body = await h.gql(whoAmI, bearer(userToken(1, { iat: past - 300, exp: past })));
    expect(body).toEqual({
      errors: [
        { message: 'Could not verify JWT: JWTExpired', extensions: { path: '$', code: 'invalid-jwt' } },
      ],
    });
  });

  it('refuses a token issued in the future (iat beyond allowed_skew) with JWTIssuedAtFuture', async () => {
    const soon = Math.floor(Date.now() / 1000) + 5;
    const body = await h.gql(whoAmI, bearer(userToken(1, { iat: soon, exp: soon + 300 })));
    expect(body).toEqual({
      errors: [
        {
          message: 'Could not verify JWT: JWTIssuedAtFuture',
          extensions: { path: '$', code: 'invalid-jwt' },
        },
      ],
    });
  });

  it('refuses a token whose iat is even a second ahead when allowed_skew is unset', async () => {
    const ahead = Math.ceil(Date.now() / 1000) + 1;
    const body = await h.gql(whoAmI, bearer(userToken(1, { iat: ahead })));
    expect(firstError(body).message).toBe('Could not verify JWT: JWTIssuedAtFuture');
  });

  it('refuses a token signed with another key', async () => {
    const token = signJwt(
      {
        'https://hasura.io/jwt/claims': {
          'x-hasura-default-role': 'user',
          'x-hasura-allowed-roles': ['user'],
        },
      },
      { key: 'another-key-that-is-also-32-characters-long' },
    );
    expect(firstError(await h.gql(whoAmI, bearer(token)))).toEqual({
      message: 'Could not verify JWT: JWSError JWSInvalidSignature',
      extensions: { path: '$', code: 'invalid-jwt' },
    });
  });

  it('never falls back to the unauthorized role for a bad token', async () => {
    const body = await h.gql('{ no_queries_available }', bearer('not-a-jwt'));
    expect(firstError(body).extensions.code).toBe('invalid-jwt');
    expect(body.data).toBeUndefined();
  });

  it('requires the Bearer scheme', async () => {
    expect(firstError(await h.gql(whoAmI, { authorization: `Token ${userToken(1)}` }))).toEqual({
      message: 'Malformed Authorization header',
      extensions: { path: '$', code: 'invalid-headers' },
    });
  });

  it('requires x-hasura-allowed-roles and x-hasura-default-role claims', async () => {
    const noAllowed = signJwt({ 'https://hasura.io/jwt/claims': { 'x-hasura-default-role': 'user' } });
    expect(firstError(await h.gql(whoAmI, bearer(noAllowed)))).toEqual({
      message: 'JWT claim does not contain x-hasura-allowed-roles',
      extensions: { path: '$', code: 'jwt-missing-role-claims' },
    });
    const noDefault = signJwt({ 'https://hasura.io/jwt/claims': { 'x-hasura-allowed-roles': ['user'] } });
    expect(firstError(await h.gql(whoAmI, bearer(noDefault)))).toEqual({
      message: 'JWT claim does not contain x-hasura-default-role',
      extensions: { path: '$', code: 'jwt-missing-role-claims' },
    });
  });

  it('reports a token without the claims namespace', async () => {
    const token = signJwt({ sub: '1', exp: Math.floor(Date.now() / 1000) + 60 });
    expect(firstError(await h.gql(whoAmI, bearer(token)))).toEqual({
      message: "claims key: 'https://hasura.io/jwt/claims' not found",
      extensions: { path: '$', code: 'jwt-invalid-claims' },
    });
  });

  it('uses the unauthorized role when there is no token at all', async () => {
    expect(await h.gql('{ no_queries_available }')).toEqual({ data: { no_queries_available: null } });
    expect(firstError(await h.gql(whoAmI)).message).toBe("field 'user' not found in type: 'query_root'");
  });

  it('refuses a request without a token when no unauthorized role is configured', async () => {
    const engine = await engineWith(baseEnv({ HASURA_GRAPHQL_UNAUTHORIZED_ROLE: undefined }));
    const { body } = await engine.execute({ query: whoAmI, headers: {} });
    expect(body).toEqual({
      errors: [
        {
          message: "Missing 'Authorization' or 'Cookie' header in JWT authentication mode",
          extensions: { path: '$', code: 'invalid-headers' },
        },
      ],
    });
  });

  it('accepts an expired token within allowed_skew seconds', async () => {
    const engine = await engineWith(
      baseEnv({
        HASURA_GRAPHQL_JWT_SECRET: JSON.stringify({ type: 'HS256', key: JWT_KEY, allowed_skew: 120 }),
      }),
    );
    const past = Math.floor(Date.now() / 1000) - 60;
    const { body } = await engine.execute({ query: whoAmI, headers: bearer(userToken(2, { exp: past })) });
    expect(body).toEqual({ data: { user: [{ id: 2 }] } });
  });

  it('accepts a token issued in the future within allowed_skew seconds', async () => {
    const engine = await engineWith(
      baseEnv({
        HASURA_GRAPHQL_JWT_SECRET: JSON.stringify({ type: 'HS256', key: JWT_KEY, allowed_skew: 120 }),
      }),
    );
    const soon = Math.floor(Date.now() / 1000) + 60;
    const { body } = await engine.execute({ query: whoAmI, headers: bearer(userToken(2, { iat: soon })) });
    expect(body).toEqual({ data: { user: [{ id: 2 }] } });
  });

  it("accepts our access tokens when the signer's clock runs up to a minute ahead of Hasura's", async () => {
    const jwt: JwtSettings = {
      key: new TextEncoder().encode(JWT_KEY),
      claimsNamespace: 'https://hasura.io/jwt/claims',
      claimsFormat: 'json',
    };
    const aheadBy = 55_000;
    const token = await createAccessTokens(jwt, 900, () => Date.now() + aheadBy).issue(2);
    expect(await h.gql(whoAmI, bearer(token))).toEqual({ data: { user: [{ id: 2 }] } });
  });

  it('checks issuer and audience only when configured', async () => {
    const engine = await engineWith(
      baseEnv({
        HASURA_GRAPHQL_JWT_SECRET: JSON.stringify({
          type: 'HS256',
          key: JWT_KEY,
          issuer: 'appwrite-cloud',
          audience: 'hasura',
        }),
      }),
    );
    const run = async (claims: Record<string, unknown>) =>
      (await engine.execute({ query: whoAmI, headers: bearer(userToken(1, claims)) })).body;
    expect(await run({ iss: 'appwrite-cloud', aud: 'hasura' })).toEqual({ data: { user: [{ id: 1 }] } });
    expect(firstError(await run({ iss: 'someone-else', aud: 'hasura' })).message).toBe(
      'Could not verify JWT: JWTNotInIssuer',
    );
    expect(firstError(await run({ iss: 'appwrite-cloud', aud: 'elsewhere' })).message).toBe(
      'Could not verify JWT: JWTNotInAudience',
    );
    // Without issuer/audience in the configuration any issuer and audience are accepted.
    expect((await h.gql(whoAmI, bearer(userToken(1, { iss: 'anyone', aud: 'anything' })))).data).toEqual({
      user: [{ id: 1 }],
    });
  });

  it('reads a custom claims_namespace and stringified_json claims', async () => {
    const engine = await engineWith(
      baseEnv({
        HASURA_GRAPHQL_JWT_SECRET: JSON.stringify({
          type: 'HS256',
          key: JWT_KEY,
          claims_namespace: 'hasura',
          claims_format: 'stringified_json',
        }),
      }),
    );
    const token = signJwt({
      hasura: JSON.stringify({
        'x-hasura-default-role': 'user',
        'x-hasura-allowed-roles': ['user'],
        'X-Hasura-User-Id': '2',
      }),
    });
    expect((await engine.execute({ query: whoAmI, headers: bearer(token) })).body).toEqual({
      data: { user: [{ id: 2 }] },
    });
  });

  it('refuses a non-string session variable claim', async () => {
    const token = userToken(1, {}, { 'x-hasura-user-id': 1 });
    expect(firstError(await h.gql(whoAmI, bearer(token))).extensions.code).toBe('jwt-invalid-claims');
  });

  it('refuses to start with a JWT secret but no admin secret, or a short HS256 key', async () => {
    await expect(engineWith(baseEnv({ HASURA_GRAPHQL_ADMIN_SECRET: undefined }))).rejects.toThrow(
      /ADMIN_SECRET must be set/,
    );
    await expect(
      engineWith(baseEnv({ HASURA_GRAPHQL_JWT_SECRET: JSON.stringify({ type: 'HS256', key: 'short' }) })),
    ).rejects.toThrow(/at least 256 bits/);
  });
});

describe('admin secret without JWT', () => {
  it('uses the unauthorized role without a secret, and refuses when there is none', async () => {
    const withRole = await engineWith({
      HASURA_GRAPHQL_ADMIN_SECRET: ADMIN_SECRET,
      HASURA_GRAPHQL_UNAUTHORIZED_ROLE: 'anonymous',
      ACTIONS_BASE_URL: 'http://127.0.0.1:9',
    });
    expect((await withRole.execute({ query: '{ no_queries_available }' })).body).toEqual({
      data: { no_queries_available: null },
    });
    const without = await engineWith({
      HASURA_GRAPHQL_ADMIN_SECRET: ADMIN_SECRET,
      ACTIONS_BASE_URL: 'http://127.0.0.1:9',
    });
    expect((await without.execute({ query: whoAmI })).body).toEqual({
      errors: [
        {
          message: 'x-hasura-admin-secret/x-hasura-access-key required, but not found',
          extensions: { path: '$', code: 'access-denied' },
        },
      ],
    });
  });
});
