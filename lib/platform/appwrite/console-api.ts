/**
 * The console API of one AppWrite instance, as the control plane calls it through the instance's
 * public URL, every request carrying the instance's gate token: the owner's account made
 * (`ensureOwnerAccount`) and its password changed (`setOwnerPassword`: a session with the derived
 * one, the change, the session ended). And the two secrets each instance gets from the operator's
 * CONSOLE_CLAIM_KEY (HMAC-SHA256 of the environment id): the gate token and the first password.
 * Nothing is stored, nothing is sent anywhere else, no secret reaches a log. Who gets the console's
 * seat, and when: lib/instances/console-seat.
 */
import { createHmac } from 'node:crypto';

export interface ConsoleOptions {
  /** The instance's gate token (`consoleGateToken`): the proxy refuses `/v1/account` without it. */
  gate: string;
  fetch?: typeof fetch;
  /** Absolute time (epoch ms) by which every call must be over. */
  deadline?: number;
}

/**
 * The header the instance's proxy reads the gate token from (`CONSOLE_GATE` in
 * lib/instances/blueprint/blueprint).
 */
export const CONSOLE_GATE_HEADER = 'X-AppWrite-Cloud-Gate';
/** The `type` of the proxy's answer to a `/v1/account` call refused by the gate (HTTP 403). */
export const CONSOLE_GATE_REFUSAL = 'console_setup_pending';

/** The password of the console's first account before its owner chooses one. */
export function ownerPassword(claimKey: string, environmentId: string): string {
  return derive(claimKey, `appwrite-console-owner:${environmentId}`);
}

/** The token that opens the instance proxy's console gate until the owner's account exists. */
export function consoleGateToken(claimKey: string, environmentId: string): string {
  return derive(claimKey, `appwrite-console-gate:${environmentId}`);
}

function derive(claimKey: string, purpose: string): string {
  if (claimKey.length < 32) throw new TypeError('The console claim key must be at least 32 characters');
  return createHmac('sha256', claimKey).update(purpose).digest('base64url');
}

export type OwnerAccount =
  /** The API does not answer yet: try again later. */
  | 'not-ready'
  /** The owner's account was just created. */
  | 'created'
  /**
   * The seat is taken, by whom this does not say: ours from an earlier pass, or someone who got
   * past the gate with the owner's address. Only `ownsSeat` (a session with our password) tells.
   */
  | 'taken'
  /**
   * The whitelist refuses the owner's e-mail, or the proxy's gate refuses our token: the instance
   * is misconfigured (or CONSOLE_CLAIM_KEY changed since it was made).
   */
  | 'refused';

interface AppwriteAnswer {
  status: number;
  type?: string;
  /** The account's e-mail, in an answer about an account. */
  email?: string;
  cookie?: string;
}

async function call(
  base: string,
  method: string,
  path: string,
  body: unknown,
  options: ConsoleOptions,
  cookie?: string,
): Promise<AppwriteAnswer> {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const remaining = options.deadline === undefined ? 8000 : Math.max(1, options.deadline - Date.now());
  const response = await fetchImpl(`${base.replace(/\/+$/, '')}${path}`, {
    method,
    headers: {
      'Content-Type': 'application/json',
      'X-Appwrite-Project': 'console',
      [CONSOLE_GATE_HEADER]: options.gate,
      ...(cookie ? { Cookie: cookie } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(Math.min(8000, remaining)),
  });
  const text = await response.text();
  let parsed: { type?: unknown; email?: unknown } = {};
  try {
    parsed = (JSON.parse(text) as typeof parsed | null) ?? {};
  } catch {
    parsed = {};
  }
  const { type, email } = parsed;
  const session = /(a_session_console=[^;]+)/.exec(response.headers.get('set-cookie') ?? '')?.[1];
  return {
    status: response.status,
    ...(typeof type === 'string' ? { type } : {}),
    ...(typeof email === 'string' ? { email } : {}),
    ...(session ? { cookie: session } : {}),
  };
}

/**
 * Creates the console's first account for the owner (or finds it there), once the API answers.
 * Safe to repeat. `password` is never logged nor kept.
 */
export async function ensureOwnerAccount(
  url: string,
  owner: { email: string; password: string },
  options: ConsoleOptions,
): Promise<OwnerAccount> {
  let health: AppwriteAnswer;
  try {
    health = await call(url, 'GET', '/v1/health/version', undefined, options);
  } catch {
    return 'not-ready';
  }
  if (health.status !== 200) return 'not-ready';
  const created = await call(
    url,
    'POST',
    '/v1/account',
    {
      userId: 'unique()',
      email: owner.email.trim().toLowerCase(),
      password: owner.password,
      name: 'Owner',
    },
    options,
  );
  if (created.status === 201) return 'created';
  // The one-seat limit is checked before the duplicate e-mail (account.php), so a taken seat
  // answers user_console_count_exceeded: a seat, not yet ours.
  if (created.type === 'user_console_count_exceeded' || created.type === 'user_already_exists')
    return 'taken';
  if (created.type === 'user_email_not_whitelisted' || created.type === CONSOLE_GATE_REFUSAL)
    return 'refused';
  return 'not-ready';
}

/**
 * Whether the console's seat is the owner's account as the control plane made it: a session opens
 * with `password` (the derived one, known to nobody else) for the owner's e-mail, and the account
 * it opens is that e-mail's; the session is ended. "Some account exists" proves nothing: whoever
 * took the seat with the owner's address and a password of their own is not the owner.
 * 'not-ours' also when the owner already replaced the derived password (ClaimConsole): the caller
 * records the seat as soon as it is proven, so that case never asks again.
 */
export async function ownsSeat(
  url: string,
  owner: { email: string; password: string },
  options: ConsoleOptions,
): Promise<'ours' | 'not-ours' | 'not-ready'> {
  const email = owner.email.trim().toLowerCase();
  const session = await call(
    url,
    'POST',
    '/v1/account/sessions/email',
    { email, password: owner.password },
    options,
  );
  if (session.status === 401 || session.status === 400) return 'not-ours';
  if (session.status !== 201 || !session.cookie) return 'not-ready';
  try {
    const account = await call(url, 'GET', '/v1/account', undefined, options, session.cookie);
    if (account.status !== 200) return 'not-ready';
    return account.email?.toLowerCase() === email ? 'ours' : 'not-ours';
  } finally {
    await call(url, 'DELETE', '/v1/account/sessions/current', undefined, options, session.cookie).catch(
      () => undefined,
    );
  }
}

/**
 * Replaces the console password of the owner's account: a session with the current password, the
 * change, and the session ended. 'wrong-password' when the current one does not open a session
 * (the owner already chose their own).
 */
export async function setOwnerPassword(
  url: string,
  owner: { email: string; currentPassword: string; newPassword: string },
  options: ConsoleOptions,
): Promise<'changed' | 'wrong-password' | 'refused'> {
  const session = await call(
    url,
    'POST',
    '/v1/account/sessions/email',
    { email: owner.email.trim().toLowerCase(), password: owner.currentPassword },
    options,
  );
  if (session.status === 401) return 'wrong-password';
  if (session.status !== 201 || !session.cookie) return 'refused';
  try {
    const changed = await call(
      url,
      'PATCH',
      '/v1/account/password',
      { password: owner.newPassword, oldPassword: owner.currentPassword },
      options,
      session.cookie,
    );
    return changed.status === 200 ? 'changed' : 'refused';
  } finally {
    await call(url, 'DELETE', '/v1/account/sessions/current', undefined, options, session.cookie).catch(
      () => undefined,
    );
  }
}
