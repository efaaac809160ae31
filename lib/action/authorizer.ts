import type { SecretCheck } from './secret';

/**
 * API Gateway's Lambda REQUEST authorizer of the HTTP API (serverless.yml
 * `provider.httpApi.authorizers`), payload 2.0 with simple responses:
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html
 *
 * Its one identity source is the header that carries the caller's secret (`x-actions-secret` from
 * Hasura, `Qovery-Signature` from Qovery). API Gateway refuses a call without that header (401)
 * without invoking the authorizer, and passes the header's value as `identitySource[0]`; the
 * authorizer answers whether it is the secret, and API Gateway caches that answer by value. So a
 * caller without the secret never reaches a handler. The handlers still check the secret
 * themselves: this is a filter in front of them, not the authority.
 *
 * It logs nothing: the value it is given is a secret, or someone's guess of one.
 */

/** The part of API Gateway's authorizer event (payload 2.0) the authorizer reads. */
export interface AuthorizerEvent {
  /** The identity sources' values, in the order they are configured. */
  identitySource?: readonly string[] | null;
}

/** A simple response: API Gateway answers 403 when `isAuthorized` is false. */
export interface AuthorizerAnswer {
  isAuthorized: boolean;
}

export function authorize(isSecret: SecretCheck, event: AuthorizerEvent): AuthorizerAnswer {
  return { isAuthorized: isSecret(event.identitySource?.[0]) };
}
