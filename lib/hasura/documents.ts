import { document } from './client';

/**
 * Every GraphQL operation the functions send to Hasura: named, with typed variables and results.
 * tests/unit/hasura/documents.test.ts validates each one against the schema Hasura generates
 * from hasura-metadata/.
 */

export interface RefreshTokenRow {
  id: string;
  user_id: number;
  family_id: string;
  expires_at: string;
  revoked_at: string | null;
}

export interface NewRefreshToken {
  user_id: number;
  family_id: string;
  token_hash: string;
  expires_at: string;
}

export const InsertUser = document<
  { insert_user_one: { id: number } | null },
  { email: string; passwordHash: string }
>(
  /* GraphQL */ `
  mutation InsertUser($email: String!, $passwordHash: String!) {
    insert_user_one(object: { email: $email, password_hash: $passwordHash }) {
      id
    }
  }`,
);

export const SigninLookup = document<
  {
    user: { id: number; password_hash: string }[];
    signin_failure: { attempted_at: string }[];
  },
  { email: string; since: string; limit: number }
>(/* GraphQL */ `
  query SigninLookup($email: String!, $since: timestamptz!, $limit: Int!) {
    user(where: { email: { _eq: $email } }, limit: 1) {
      id
      password_hash
    }
    signin_failure(
      where: { email: { _eq: $email }, attempted_at: { _gt: $since } }
      order_by: { attempted_at: desc }
      limit: $limit
    ) {
      attempted_at
    }
  }`);

export const RecordSigninFailure = document<
  { insert_signin_failure_one: { id: number } | null },
  { email: string; expiredBefore: string }
>(/* GraphQL */ `
  mutation RecordSigninFailure($email: String!, $expiredBefore: timestamptz!) {
    insert_signin_failure_one(object: { email: $email }) {
      id
    }
    delete_signin_failure(where: { attempted_at: { _lt: $expiredBefore } }) {
      affected_rows
    }
  }`);

/** Stores a session's first refresh token and forgets the email's failed attempts, atomically. */
export const StartSession = document<
  { insert_refresh_token_one: { id: string } | null },
  { token: NewRefreshToken; email: string }
>(/* GraphQL */ `
  mutation StartSession($token: refresh_token_insert_input!, $email: String!) {
    insert_refresh_token_one(object: $token) {
      id
    }
    delete_signin_failure(where: { email: { _eq: $email } }) {
      affected_rows
    }
  }`);

export const FindRefreshToken = document<
  { refresh_token: RefreshTokenRow[] },
  { hash: string }
>(/* GraphQL */ `
  query FindRefreshToken($hash: String!) {
    refresh_token(where: { token_hash: { _eq: $hash } }, limit: 1) {
      id
      user_id
      family_id
      expires_at
      revoked_at
    }
  }`);

/** Revokes the presented token and stores its successor in one transaction. */
export const RotateRefreshToken = document<
  { update_refresh_token: { affected_rows: number } | null; insert_refresh_token_one: { id: string } | null },
  { id: string; now: string; next: NewRefreshToken }
>(/* GraphQL */ `
  mutation RotateRefreshToken($id: uuid!, $now: timestamptz!, $next: refresh_token_insert_input!) {
    update_refresh_token(where: { id: { _eq: $id }, revoked_at: { _is_null: true } }, _set: { revoked_at: $now }) {
      affected_rows
    }
    insert_refresh_token_one(object: $next) {
      id
    }
  }`);

export const RevokeRefreshTokenFamily = document<
  { update_refresh_token: { affected_rows: number } | null },
  { familyId: string; now: string }
>(/* GraphQL */ `
  mutation RevokeRefreshTokenFamily($familyId: uuid!, $now: timestamptz!) {
    update_refresh_token(
      where: { family_id: { _eq: $familyId }, revoked_at: { _is_null: true } }
      _set: { revoked_at: $now }
    ) {
      affected_rows
    }
  }`);

export const RevokeRefreshToken = document<
  { update_refresh_token: { affected_rows: number } | null },
  { hash: string; now: string }
>(/* GraphQL */ `
  mutation RevokeRefreshToken($hash: String!, $now: timestamptz!) {
    update_refresh_token(where: { token_hash: { _eq: $hash }, revoked_at: { _is_null: true } }, _set: { revoked_at: $now }) {
      affected_rows
    }
  }`);
