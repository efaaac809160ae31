import { PurgeExpired } from '../../platform/hasura/documents';
import type { Pass } from './pass';

/**
 * Forgets expired sessions: expired and long-revoked refresh tokens (a revoked one is kept a while
 * to catch the reuse of a rotated token), and rate-limit counters whose window has passed.
 */
export async function purgeExpired({
  hasura,
  call,
  now,
  summary,
  revokedTokenRetentionMs = 24 * 3600 * 1000,
}: Pass): Promise<void> {
  const at = now();
  const result = await hasura.request(
    PurgeExpired,
    {
      now: new Date(at).toISOString(),
      revokedBefore: new Date(at - revokedTokenRetentionMs).toISOString(),
    },
    call,
  );
  summary.purgedRefreshRows = result.delete_refresh_token?.affected_rows ?? 0;
  summary.purgedRateLimits = result.delete_rate_limit?.affected_rows ?? 0;
}
