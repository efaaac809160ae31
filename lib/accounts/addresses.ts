import { digest } from '../action/rate-limit';
import type { KnownAddress } from '../platform/hasura/documents';
import { iso } from './common';

/**
 * Client addresses an account was reached from: where its password was right (Signin) or its mailbox
 * proved (VerifyEmail, ResetPassword); the public actions get the client's address (actions.yaml,
 * `forward_client_headers`), the signed-in ones do not, so they remember none. Signin from
 * one of them is not refused by the per-email limit, the one strangers can fill from many addresses
 * (lib/accounts/sessions.ts). Only a digest of the address is stored, keyed by email.
 */

/** How long an address stays known after it was last seen. */
export const KNOWN_ADDRESS_DAYS = 90;

export function addressKey(address: string): string {
  return digest(`address:${address}`);
}

/** The row that remembers `address` for `email`; none when the address is unknown (no X-Forwarded-For). */
export function remembered(email: string, address: string | undefined, now: number): KnownAddress[] {
  return address === undefined ? [] : [{ email, address: addressKey(address), seen_at: iso(now) }];
}

/** The oldest `seen_at` that still counts. */
export function knownSince(now: number): string {
  return iso(now - KNOWN_ADDRESS_DAYS * 24 * 3600 * 1000);
}
