import { createHash, timingSafeEqual } from 'node:crypto';

/** Whether a value given by a caller is the shared secret. */
export type SecretCheck = (given: string | undefined) => boolean;

/**
 * The check of one shared secret, compared in constant time: both sides are SHA-256 digests, of one
 * length whatever the caller sent, so neither the time taken nor an early return tells a caller
 * how much of a guess was right or how long the secret is. Used by the API Gateway authorizers
 * (lib/action/authorizer.ts) in front of the handlers, and fit for the handlers' own check.
 */
export function secretCheck(secret: string): SecretCheck {
  const expected = digest(secret);
  return (given) => given !== undefined && timingSafeEqual(digest(given), expected);
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
