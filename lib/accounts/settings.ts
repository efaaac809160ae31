import type { EnvReader } from '../basics/settings';

/** Hasura's JWT settings, parsed from the very JSON Hasura reads (`HASURA_GRAPHQL_JWT_SECRET`). */
export interface JwtSettings {
  key: Uint8Array;
  issuer?: string;
  audience?: string | string[];
  claimsNamespace: string;
  claimsFormat: 'json' | 'stringified_json';
}

export interface AuthConfig {
  bcryptCost: number;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** Absolute lifetime of a session (a refresh token family), from sign-in: no rotation extends it. */
  sessionMaxSeconds: number;
  /** Live sessions per user; a new one ends the least recently used beyond it. */
  maxSessionsPerUser: number;
}

/** Email verification, mailed tickets and their rate limit. */
export interface AccountsConfig {
  /** Off only for a private deployment: then CreateProject and StartProject need no verified email. */
  requireEmailVerification: boolean;
  verificationTtlSeconds: number;
  passwordResetTtlSeconds: number;
}

const DEFAULT_CLAIMS_NAMESPACE = 'https://hasura.io/jwt/claims';

/** The JWT signing key: only the functions that issue tokens may read it. */
export function readJwt(r: EnvReader): JwtSettings {
  /**
   * HASURA_GRAPHQL_JWT_SECRET: The very JSON Hasura reads to verify tokens, which the functions sign with:
   * {"type":"HS256","key":"<key>"} with a key of at least 32 characters, optionally with issuer, audience, claims_namespace
   * and claims_format. Only the functions that issue tokens read it.
   * @example {"type":"HS256","key":""}
   */
  const name = 'HASURA_GRAPHQL_JWT_SECRET';
  const fallback: JwtSettings = {
    key: new Uint8Array(),
    claimsNamespace: DEFAULT_CLAIMS_NAMESPACE,
    claimsFormat: 'json',
  };
  // No minimum length on the whole JSON: the key inside is checked below.
  const text = r.secret(name, 0);
  // '' when missing (already a problem) or when secrets are skipped (packaging).
  if (text === '') return fallback;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    r.problems.push(`${name} must be JSON like {"type":"HS256","key":"<at least 32 characters>"}`);
    return fallback;
  }
  const problems = jwtProblems(parsed);
  if (problems.length > 0) {
    r.problems.push(...problems.map((p) => `${name}: ${p}`));
    return fallback;
  }
  const json = parsed as Record<string, unknown>;
  r.secretValues.push(json.key as string);
  return {
    key: new TextEncoder().encode(json.key as string),
    issuer: json.issuer as string | undefined,
    audience: json.audience as string | string[] | undefined,
    claimsNamespace: (json.claims_namespace as string | undefined) ?? DEFAULT_CLAIMS_NAMESPACE,
    claimsFormat: (json.claims_format as JwtSettings['claimsFormat'] | undefined) ?? 'json',
  };
}

function jwtProblems(json: unknown): string[] {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return ['must be a JSON object'];
  const o = json as Record<string, unknown>;
  const problems: string[] = [];
  if (o.type !== 'HS256')
    problems.push('"type" must be "HS256" (the only algorithm these functions sign with)');
  if (typeof o.key !== 'string' || o.key.length < 32)
    problems.push('"key" must be a string of at least 32 characters');
  if (o.jwk_url !== undefined)
    problems.push('"jwk_url" is not supported: the functions sign tokens with "key"');
  if (o.issuer !== undefined && typeof o.issuer !== 'string') problems.push('"issuer" must be a string');
  const aud = o.audience;
  if (
    aud !== undefined &&
    typeof aud !== 'string' &&
    !(Array.isArray(aud) && aud.every((a) => typeof a === 'string'))
  )
    problems.push('"audience" must be a string or an array of strings');
  if (o.claims_namespace !== undefined && typeof o.claims_namespace !== 'string')
    problems.push('"claims_namespace" must be a string');
  if (o.claims_namespace_path !== undefined)
    problems.push('"claims_namespace_path" is not supported; use "claims_namespace"');
  if (o.claims_format !== undefined && o.claims_format !== 'json' && o.claims_format !== 'stringified_json')
    problems.push('"claims_format" must be "json" or "stringified_json"');
  return problems;
}

export function readAuth(r: EnvReader): AuthConfig {
  return {
    /**
     * BCRYPT_COST: bcrypt cost of the stored password hashes (each step doubles the time of a sign-up or
     * sign-in).
     */
    bcryptCost: r.int('BCRYPT_COST', 10, 10, 15),
    /** ACCESS_TOKEN_TTL_SECONDS: Lifetime of an access token (the JWT Hasura verifies). */
    accessTokenTtlSeconds: r.int('ACCESS_TOKEN_TTL_SECONDS', 15 * 60, 60, 24 * 3600),
    /** REFRESH_TOKEN_TTL_SECONDS: Lifetime of a refresh token; each use rotates it. */
    refreshTokenTtlSeconds: r.int('REFRESH_TOKEN_TTL_SECONDS', 30 * 24 * 3600, 3600, 365 * 24 * 3600),
    /**
     * SESSION_MAX_SECONDS: Absolute lifetime of a session (a refresh token family), from sign-in: no
     * rotation extends it.
     */
    sessionMaxSeconds: r.int('SESSION_MAX_SECONDS', 30 * 24 * 3600, 3600, 365 * 24 * 3600),
    /** MAX_SESSIONS_PER_USER: Live sessions per user; a new one ends the least recently used beyond it. */
    maxSessionsPerUser: r.int('MAX_SESSIONS_PER_USER', 10, 1, 1000),
  };
}

export function readAccounts(r: EnvReader): AccountsConfig {
  return {
    /**
     * REQUIRE_EMAIL_VERIFICATION: Whether a new account must verify its email before CreateProject and
     * StartProject. Off only for a private deployment.
     */
    requireEmailVerification: r.bool('REQUIRE_EMAIL_VERIFICATION', true),
    /** EMAIL_VERIFICATION_TTL_SECONDS: How long the link of a verification email works. */
    verificationTtlSeconds: r.int('EMAIL_VERIFICATION_TTL_SECONDS', 24 * 3600, 300, 7 * 24 * 3600),
    /** PASSWORD_RESET_TTL_SECONDS: How long the link of a password reset email works. */
    passwordResetTtlSeconds: r.int('PASSWORD_RESET_TTL_SECONDS', 3600, 300, 24 * 3600),
  };
}
