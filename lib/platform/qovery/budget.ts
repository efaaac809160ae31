import type { QoveryResponse } from './client';

export type { QoveryBudgetPort, QoveryRequest, QoveryResponse } from './client';

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
