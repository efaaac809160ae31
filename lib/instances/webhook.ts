/**
 * Qovery's organization webhooks as a doorbell (docs/lifecycle.md): Qovery POSTs an event
 * (DEPLOYMENT_STARTED, DEPLOYMENT_SUCCESSFUL, DEPLOYMENT_FAILURE, DEPLOYMENT_CANCELLED) with the
 * secret given at the webhook's registration in the `Qovery-Signature` header. Qovery's published
 * spec does not describe the body, so it is an untrusted hint: at most it names environments to
 * look at first. What a project's status becomes is always read from Qovery by the reconciler.
 */
import { secretCheck } from '../action/secret';
import type { Logger } from '../basics/log';
import type { Reconciler } from './reconciler';

const SIGNATURE_HEADER = 'qovery-signature';
/** Bodies beyond this are refused unread (Qovery's events are small). */
const MAX_BODY_BYTES = 64 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Keys whose UUID value may name an environment, wherever they are in the body. */
const ENVIRONMENT_KEYS = new Set(['environment_id', 'environmentid', 'environment']);

/** The header equals the secret, compared in constant time (digests: equal lengths whatever given). */
export function signatureMatches(given: string | undefined, secret: string): boolean {
  return secret !== '' && secretCheck(secret)(given);
}

/** Environment ids the body seems to name (UUIDs under environment keys), at most 10. */
export function environmentHints(body: unknown): string[] {
  const found = new Set<string>();
  const walk = (value: unknown, key: string, depth: number) => {
    if (found.size >= 10 || depth > 5 || value === null) return;
    if (typeof value === 'string') {
      if (ENVIRONMENT_KEYS.has(key) && UUID.test(value)) found.add(value.toLowerCase());
      return;
    }
    if (typeof value !== 'object') return;
    for (const [k, v] of Object.entries(value as Record<string, unknown>).slice(0, 100)) {
      const name = k.toLowerCase();
      // { environment: { id } } names one too.
      if (name === 'environment' && v && typeof v === 'object' && !Array.isArray(v))
        walk((v as Record<string, unknown>).id, 'environment_id', depth + 1);
      walk(v, name, depth + 1);
    }
  };
  walk(body, '', 0);
  return [...found];
}

export interface WebhookRequest {
  headers: Record<string, string | undefined>;
  body: string | undefined;
}

export interface WebhookDeps {
  secret: string;
  reconciler: Pick<Reconciler, 'run'>;
  log: Logger;
}

/**
 * 401 without the right signature (nothing done); 413 for a body too big; otherwise the named
 * environments' projects (or, when the body names none we know, every project) are reconciled now,
 * statuses only, and the answer is 202.
 */
export async function handleWebhook(
  { secret, reconciler, log }: WebhookDeps,
  request: WebhookRequest,
  deadline: number,
): Promise<{ statusCode: number; body: string }> {
  const given = Object.entries(request.headers).find(
    ([name]) => name.toLowerCase() === SIGNATURE_HEADER,
  )?.[1];
  if (!signatureMatches(given, secret)) return { statusCode: 401, body: '{"message":"unauthorized"}' };
  const text = request.body ?? '';
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) return { statusCode: 413, body: '{"message":"too large"}' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined; // a doorbell with a garbled note still rings
  }
  const hints = environmentHints(parsed);
  const summary = await reconciler.run({
    deadline,
    statusesOnly: true,
    ...(hints.length > 0 ? { environmentIds: hints } : {}),
  });
  // A hint that names none of our projects: look at every one (the bell rang for a reason).
  const final =
    hints.length > 0 && summary.checked === 0
      ? await reconciler.run({ deadline, statusesOnly: true })
      : summary;
  log.info('qovery.webhook', { hinted: hints.length, checked: final.checked, changed: final.changed });
  return { statusCode: 202, body: JSON.stringify({ checked: final.checked, changed: final.changed }) };
}
