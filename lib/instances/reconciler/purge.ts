import { PurgeExpired } from '../../platform/hasura/documents';
import type { Pass } from './pass';

/** Past this, a minute of the Qovery budget counts no more (its window is 61 one-minute buckets). */
const BUDGET_WINDOW_MS = 61 * 60_000;

/**
 * Forgets expired sessions: expired and long-revoked refresh tokens (a revoked one is kept a while
 * to catch the reuse of a rotated token), rate-limit counters whose window has passed, and the
 * Qovery budget's minutes older than its sliding hour (lib/instances/budget.ts).
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
      budgetBefore: new Date(at - BUDGET_WINDOW_MS).toISOString(),
    },
    call,
  );
  summary.purgedRefreshRows = result.delete_refresh_token?.affected_rows ?? 0;
  summary.purgedRateLimits = result.delete_rate_limit?.affected_rows ?? 0;
  summary.purgedBudgetMinutes = result.delete_qovery_budget_minute?.affected_rows ?? 0;
}
