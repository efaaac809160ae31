// Hasura's authentication modes (`Hasura.Server.Auth`):
// - no admin secret configured: every request is admin, or the role in `x-hasura-role`;
// - admin secret: a matching `x-hasura-admin-secret` (or the deprecated `x-hasura-access-key`)
//   makes the request admin (or the `x-hasura-role` it names); a wrong one is `access-denied`;
//   without one, JWT mode verifies `Authorization: Bearer <jwt>`, and with no token at all the
//   unauthorized role is used when configured. A bad token is always an error.
// Session variables are lower-case `x-hasura-*` keys with string values.

import type * as Jose from 'jose';
import { HasuraError } from './errors';
import { nodeRequire } from './node-loader';

export interface Session {
  role: string;
  /** Lower-case keys, string values, always including `x-hasura-role`. */
  variables: Record<string, string>;
  /** The request proved the admin secret (or no secret is configured). */
  adminSecretSent: boolean;
  /** `x-hasura-use-backend-only-permissions: true` with the admin secret. */
  backendOnly: boolean;
}

export interface JwtConfig {
  type: string;
  key: string;
  claimsNamespace: string;
  claimsFormat: 'json' | 'stringified_json';
  audience: string[] | undefined;
  issuer: string | undefined;
  allowedSkew: number;
}

export interface AuthConfig {
  adminSecret: string | undefined;
  jwt: JwtConfig | undefined;
  unauthorizedRole: string | undefined;
}

export type Env = Record<string, string | undefined>;

const DEFAULT_CLAIMS_NAMESPACE = 'https://hasura.io/jwt/claims';
const HMAC_BITS: Record<string, number> = { HS256: 256, HS384: 384, HS512: 512 };
const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'Ed25519'];

function configError(message: string): Error {
  return new Error(`Hasura stand-in: HASURA_GRAPHQL_JWT_SECRET: ${message}`);
}

export function parseJwtConfig(raw: string): JwtConfig {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw configError('not valid JSON');
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw configError('expected a JSON object');
  const o = json as Record<string, unknown>;
  for (const unsupported of ['jwk_url', 'claims_map', 'claims_namespace_path', 'header']) {
    if (o[unsupported] !== undefined)
      throw configError(`"${unsupported}" is not supported by the local stand-in`);
  }
  if (typeof o.key !== 'string') throw configError('key and jwk_url both cannot be empty');
  const type = String(o.type);
  const bits = HMAC_BITS[type];
  if (bits !== undefined) {
    if (Buffer.byteLength(o.key, 'utf8') * 8 < bits)
      throw configError(`Invalid JWK: Key size must be at least ${bits} bits`);
  } else if (!ASYMMETRIC.includes(type)) {
    throw configError(`Invalid JWK: Key type: ${type} is not supported`);
  }
  const audience =
    o.audience === undefined || o.audience === null ? undefined : [o.audience].flat().map(String);
  const format = o.claims_format ?? 'json';
  if (format !== 'json' && format !== 'stringified_json')
    throw configError('claims_format must be json or stringified_json');
  return {
    type,
    key: o.key,
    claimsNamespace: typeof o.claims_namespace === 'string' ? o.claims_namespace : DEFAULT_CLAIMS_NAMESPACE,
    claimsFormat: format,
    audience,
    issuer: typeof o.issuer === 'string' ? o.issuer : undefined,
    allowedSkew: typeof o.allowed_skew === 'number' ? o.allowed_skew : 0,
  };
}

export function authConfigFromEnv(env: Env): AuthConfig {
  const adminSecret = env.HASURA_GRAPHQL_ADMIN_SECRET || undefined;
  const jwt = env.HASURA_GRAPHQL_JWT_SECRET ? parseJwtConfig(env.HASURA_GRAPHQL_JWT_SECRET) : undefined;
  if (jwt && !adminSecret) {
    throw new Error(
      'Hasura stand-in: HASURA_GRAPHQL_ADMIN_SECRET must be set when HASURA_GRAPHQL_JWT_SECRET is set',
    );
  }
  return { adminSecret, jwt, unauthorizedRole: env.HASURA_GRAPHQL_UNAUTHORIZED_ROLE || undefined };
}

/** `x-hasura-*` request headers as session variables (lower-case keys), admin secrets removed. */
function headerVariables(headers: Record<string, string>): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (lower.startsWith('x-hasura-')) vars[lower] = value;
  }
  delete vars['x-hasura-admin-secret'];
  delete vars['x-hasura-access-key'];
  return vars;
}

function finish(role: string, vars: Record<string, string>, adminSecretSent: boolean): Session {
  const backendOnly =
    adminSecretSent &&
    ['true', 't', 'yes', 'y'].includes((vars['x-hasura-use-backend-only-permissions'] ?? '').toLowerCase());
  return { role, variables: { ...vars, 'x-hasura-role': role }, adminSecretSent, backendOnly };
}

let jose: typeof Jose | undefined;
function loadJose(): typeof Jose {
  jose ??= nodeRequire<typeof Jose>('jose');
  return jose;
}

const keyCache = new WeakMap<JwtConfig, Promise<Jose.CryptoKey | Jose.JWK>>();

function verificationKey(config: JwtConfig): Promise<Jose.CryptoKey | Jose.JWK> {
  let key = keyCache.get(config);
  if (!key) {
    const j = loadJose();
    if (HMAC_BITS[config.type] !== undefined) {
      key = Promise.resolve({ kty: 'oct', k: Buffer.from(config.key, 'utf8').toString('base64url') });
    } else if (config.key.includes('BEGIN CERTIFICATE')) {
      key = j.importX509(config.key, config.type === 'Ed25519' ? 'EdDSA' : config.type);
    } else {
      key = j.importSPKI(config.key, config.type === 'Ed25519' ? 'EdDSA' : config.type);
    }
    keyCache.set(config, key);
  }
  return key;
}

const invalidJwt = (reason: string) => new HasuraError('invalid-jwt', `Could not verify JWT: ${reason}`);
const invalidClaims = (message: string) => new HasuraError('jwt-invalid-claims', message);

function jsonKind(value: unknown): string {
  if (value === null) return 'Null';
  if (Array.isArray(value)) return 'Array';
  return (
    { string: 'String', number: 'Number', boolean: 'Boolean', object: 'Object' }[typeof value as string] ??
    'Value'
  );
}

function decodePayload(token: string): Record<string, unknown> | undefined {
  try {
    const payload = loadJose().decodeJwt(token);
    return payload as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** Verifies signature and registered claims the way Hasura (hs-jose) does. */
async function verifyToken(config: JwtConfig, token: string): Promise<Record<string, unknown>> {
  const parts = token.split('.');
  if (parts.length !== 3) {
    throw invalidJwt(
      `JWSError (CompactDecodeError Invalid number of parts: Expected 3 parts; got ${parts.length})`,
    );
  }
  // Hasura matches the token's issuer (read without verification) before anything else.
  const unverified = decodePayload(token);
  if (
    config.issuer !== undefined &&
    typeof unverified?.iss === 'string' &&
    unverified.iss !== config.issuer
  ) {
    throw invalidJwt('JWTNotInIssuer');
  }
  const j = loadJose();
  const algorithms =
    HMAC_BITS[config.type] !== undefined
      ? Object.keys(HMAC_BITS)
      : [config.type === 'Ed25519' ? 'EdDSA' : config.type];
  let payloadBytes: Uint8Array;
  try {
    const key = await verificationKey(config);
    payloadBytes = (await j.compactVerify(token, key, { algorithms })).payload;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') throw invalidJwt('JWSError JWSInvalidSignature');
    if (code === 'ERR_JOSE_ALG_NOT_ALLOWED' || code === 'ERR_JOSE_NOT_SUPPORTED')
      throw invalidJwt('JWSError NoUsableKeys');
    throw invalidJwt(`JWSError (CompactDecodeError ${(error as Error).message})`);
  }
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payloadBytes).toString('utf8'));
  } catch {
    throw invalidJwt('JWSError (CompactDecodeError invalid JSON payload)');
  }
  if (!claims || typeof claims !== 'object' || Array.isArray(claims)) {
    throw invalidJwt('JWSError (CompactDecodeError the payload is not a JSON object)');
  }
  const c = claims as Record<string, unknown>;
  const now = Date.now() / 1000;
  const skew = Math.abs(config.allowedSkew);
  if (typeof c.exp === 'number' && !(now < c.exp + skew)) throw invalidJwt('JWTExpired');
  // hs-jose's validateIatClaim, which Hasura runs with checkIssuedAt on (defaultJWTValidationSettings):
  // a token issued later than now + allowed_skew is refused, to the fraction of a second.
  if (typeof c.iat === 'number' && c.iat > now + skew) throw invalidJwt('JWTIssuedAtFuture');
  if (typeof c.nbf === 'number' && !(now >= c.nbf - skew)) throw invalidJwt('JWTNotYetValid');
  if (config.audience && c.aud !== undefined) {
    const auds = [c.aud].flat().map(String);
    if (!auds.some((a) => config.audience?.includes(a))) throw invalidJwt('JWTNotInAudience');
  }
  return c;
}

async function sessionFromJwt(
  config: JwtConfig,
  token: string,
  headers: Record<string, string>,
): Promise<Session> {
  const claims = await verifyToken(config, token);
  const namespace = config.claimsNamespace;
  const raw = claims[namespace];
  if (raw === undefined) throw invalidClaims(`claims key: '${namespace}' not found`);
  let hasuraClaims: unknown = raw;
  if (config.claimsFormat === 'stringified_json') {
    if (typeof raw !== 'string')
      throw invalidClaims('expecting a string when claims_format is stringified_json');
    try {
      hasuraClaims = JSON.parse(raw);
    } catch {
      throw invalidClaims(
        `expecting stringified json at: 'claims_namespace ${namespace}', but found: ${raw}`,
      );
    }
  } else if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw invalidClaims('expecting a json object when claims_format is json');
  }
  if (!hasuraClaims || typeof hasuraClaims !== 'object' || Array.isArray(hasuraClaims)) {
    throw invalidClaims('expecting a json object when claims_format is json');
  }
  const claimsMap = new Map<string, unknown>();
  for (const [k, v] of Object.entries(hasuraClaims)) {
    const lower = k.toLowerCase();
    if (lower.startsWith('x-hasura-')) claimsMap.set(lower, v);
  }
  const allowed = claimsMap.get('x-hasura-allowed-roles');
  if (allowed === undefined) {
    throw new HasuraError('jwt-missing-role-claims', 'JWT claim does not contain x-hasura-allowed-roles');
  }
  if (!Array.isArray(allowed) || !allowed.every((r) => typeof r === 'string')) {
    throw invalidClaims(
      `invalid x-hasura-allowed-roles; should be a list of roles: parsing [] failed, expected Array, but encountered ${jsonKind(allowed)}`,
    );
  }
  const defaultRole = claimsMap.get('x-hasura-default-role');
  if (defaultRole === undefined) {
    throw new HasuraError('jwt-missing-role-claims', 'JWT claim does not contain x-hasura-default-role');
  }
  if (typeof defaultRole !== 'string') {
    throw invalidClaims(
      `invalid x-hasura-default-role; should be a single role name: parsing Text failed, expected String, but encountered ${jsonKind(defaultRole)}`,
    );
  }
  const requested = headerValue(headers, 'x-hasura-role');
  const role = requested ? requested : defaultRole;
  if (!allowed.includes(role))
    throw new HasuraError('access-denied', 'Your requested role is not in allowed roles');
  const vars: Record<string, string> = {};
  for (const [k, v] of claimsMap) {
    if (k === 'x-hasura-allowed-roles' || k === 'x-hasura-default-role') continue;
    if (typeof v !== 'string') {
      throw invalidClaims(
        `x-hasura-* claims: parsing Text failed, expected String, but encountered ${jsonKind(v)}`,
      );
    }
    vars[k] = v;
  }
  return finish(role, vars, false);
}

export function headerValue(headers: Record<string, string>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === wanted) return v;
  return undefined;
}

export async function resolveSession(config: AuthConfig, headers: Record<string, string>): Promise<Session> {
  const vars = headerVariables(headers);
  if (!config.adminSecret) return finish(vars['x-hasura-role'] || 'admin', vars, true);

  const sentSecret =
    headerValue(headers, 'x-hasura-admin-secret') ?? headerValue(headers, 'x-hasura-access-key');
  if (sentSecret !== undefined) {
    if (sentSecret !== config.adminSecret) {
      throw new HasuraError('access-denied', 'invalid x-hasura-admin-secret/x-hasura-access-key');
    }
    return finish(vars['x-hasura-role'] || 'admin', vars, true);
  }

  if (config.jwt) {
    const authorization = headerValue(headers, 'authorization');
    if (authorization !== undefined) {
      const parts = authorization.trim().split(/\s+/);
      if (parts.length !== 2 || parts[0] !== 'Bearer' || !parts[1]) {
        throw new HasuraError('invalid-headers', 'Malformed Authorization header');
      }
      return sessionFromJwt(config.jwt, parts[1], headers);
    }
    if (!config.unauthorizedRole) {
      throw new HasuraError(
        'invalid-headers',
        "Missing 'Authorization' or 'Cookie' header in JWT authentication mode",
      );
    }
    return finish(config.unauthorizedRole, vars, false);
  }

  if (!config.unauthorizedRole) {
    throw new HasuraError(
      'access-denied',
      'x-hasura-admin-secret/x-hasura-access-key required, but not found',
    );
  }
  return finish(config.unauthorizedRole, vars, false);
}
