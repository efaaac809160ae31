import type { OperationId } from './client';

/**
 * The port through which the Qovery client spends a request budget (QoveryClientOptions.budget):
 * every tenant shares one Qovery API token, and Qovery answers 429 past 1000 requests an hour per
 * token (https://www.qovery.com/docs/api-reference/introduction). lib/instances/budget.ts
 * implements it on the deployment's budget in the database.
 */
export interface QoveryBudgetPort {
  /**
   * Called before every request the client sends (each retry is one): resolves once it may be
   * sent. When it may not before `deadline`, throws QoveryBudgetExhausted (lib/platform/qovery/client),
   * a QoveryError of kind `unavailable` that nothing was sent for.
   */
  take(request: QoveryRequest): Promise<void>;
  /** Told every response, whatever its status, before the client reads it. Never throws. */
  observe(response: QoveryResponse): void | Promise<void>;
}

/** The request about to be sent: its operation, and the caller's deadline (epoch ms), if any. */
export interface QoveryRequest {
  operation: OperationId;
  deadline?: number;
}

export interface QoveryResponse {
  status: number;
  headers: Headers;
}

/** How long Qovery is left alone after a 429 that says neither Retry-After nor X-RateLimit-Reset. */
export const DEFAULT_PAUSE_MS = 60_000;

/**
 * Until when (epoch ms) no request should be sent, by what a response says: after a 429, its
 * Retry-After (seconds or an HTTP date), else X-RateLimit-Reset (Unix seconds), else a minute;
 * after X-RateLimit-Remaining: 0, X-RateLimit-Reset, else a minute. Undefined: carry on.
 */
export function pauseAfter({ status, headers }: QoveryResponse, nowMs: number): number | undefined {
  const reset = resetAt(headers.get('x-ratelimit-reset'));
  if (status === 429) return retryAt(headers.get('retry-after'), nowMs) ?? reset ?? nowMs + DEFAULT_PAUSE_MS;
  if (headers.get('x-ratelimit-remaining')?.trim() === '0') return reset ?? nowMs + DEFAULT_PAUSE_MS;
  return undefined;
}

function retryAt(value: string | null, nowMs: number): number | undefined {
  const text = value?.trim() ?? '';
  if (/^\d+$/.test(text)) return nowMs + Number(text) * 1000;
  const date = text === '' ? Number.NaN : Date.parse(text);
  return Number.isNaN(date) ? undefined : date;
}

function resetAt(value: string | null): number | undefined {
  const text = value?.trim() ?? '';
  return /^\d+$/.test(text) ? Number(text) * 1000 : undefined;
}
