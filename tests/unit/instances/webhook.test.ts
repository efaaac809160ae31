import { createLogger } from '../../../lib/basics/log';
import type { ReconcileOptions, ReconcileSummary } from '../../../lib/instances/reconciler';
import { environmentHints, handleWebhook, signatureMatches } from '../../../lib/instances/webhook';

const SECRET = 'qovery-webhook-secret-0123456789';
const ENV = '2d1c4b9e-6f0a-4c3e-9b7d-1a2b3c4d5e6f';
const log = createLogger({ level: 'silent' });

function fakeReconciler(checked = 1) {
  const runs: ReconcileOptions[] = [];
  return {
    runs,
    async run(options: ReconcileOptions): Promise<ReconcileSummary> {
      runs.push(options);
      return {
        checked: options.environmentIds ? checked : 5,
        changed: 1,
        deletionsFinished: 0,
        deletionsAskedAgain: 0,
        stopsAsked: 0,
        orphansRemoved: 0,
        tasksDone: 0,
        tasksPutBack: 0,
        urlsFilled: 0,
        purgedRefreshRows: 0,
        purgedRateLimits: 0,
        purgedBudgetMinutes: 0,
        failures: [],
        hasuraCalls: 2,
        qoveryCalls: 1,
        durationMs: 1,
      };
    },
  };
}
const call = (
  reconciler: ReturnType<typeof fakeReconciler>,
  headers: Record<string, string>,
  body?: string,
) => handleWebhook({ secret: SECRET, reconciler, log }, { headers, body }, Date.now() + 10_000);

describe('Qovery webhook', () => {
  it.each([
    ['no signature', {}],
    ['a wrong signature', { 'qovery-signature': 'nope' }],
    ['the secret with one character more', { 'Qovery-Signature': `${SECRET}x` }],
  ])('refuses a call with %s, and reconciles nothing', async (_label, headers) => {
    const reconciler = fakeReconciler();
    expect((await call(reconciler, headers, '{}')).statusCode).toBe(401);
    expect(reconciler.runs).toEqual([]);
  });

  it('reconciles the environment the payload names, statuses only', async () => {
    const reconciler = fakeReconciler();
    const body = JSON.stringify({ event: 'DEPLOYMENT_SUCCESSFUL', environment: { id: ENV.toUpperCase() } });
    const answer = await call(reconciler, { 'Qovery-Signature': SECRET }, body);
    expect(answer.statusCode).toBe(202);
    expect(reconciler.runs).toEqual([expect.objectContaining({ environmentIds: [ENV], statusesOnly: true })]);
  });

  it.each([
    ['not JSON', '<xml>'],
    ['an empty body', ''],
    ['JSON with no environment', '{"event":"DEPLOYMENT_FAILURE","project_id":"x"}'],
    [
      'a deep, wide object',
      JSON.stringify({ a: { b: { c: { d: { e: { f: { environment_id: ENV } } } } } } }),
    ],
  ])('a garbage body (%s) is harmless: every project is reconciled, statuses only', async (_label, body) => {
    const reconciler = fakeReconciler();
    expect((await call(reconciler, { 'qovery-signature': SECRET }, body)).statusCode).toBe(202);
    expect(reconciler.runs).toEqual([{ deadline: expect.any(Number), statusesOnly: true }]);
  });

  it('a hint naming none of our projects falls back to every project', async () => {
    const reconciler = fakeReconciler(0);
    await call(reconciler, { 'qovery-signature': SECRET }, JSON.stringify({ environment_id: ENV }));
    expect(reconciler.runs).toHaveLength(2);
    expect(reconciler.runs[1]).not.toHaveProperty('environmentIds');
  });

  it('refuses a body over 64 KiB unread', async () => {
    const reconciler = fakeReconciler();
    const answer = await call(reconciler, { 'qovery-signature': SECRET }, 'x'.repeat(70 * 1024));
    expect(answer.statusCode).toBe(413);
    expect(reconciler.runs).toEqual([]);
  });

  it('reads hints only from environment keys, and only UUIDs', () => {
    expect(environmentHints({ id: ENV, project_id: ENV, environment_id: 'not-a-uuid' })).toEqual([]);
    expect(environmentHints({ environmentId: ENV })).toEqual([ENV]);
    expect(signatureMatches(undefined, SECRET)).toBe(false);
    expect(signatureMatches(SECRET, '')).toBe(false);
  });
});
