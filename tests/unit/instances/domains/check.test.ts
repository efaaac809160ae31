import type { CheckedCustomDomainResponse } from 'qovery-typescript-axios';
import {
  type DomainsStepDeps,
  FAILED_RECHECK_MS,
  GIVE_UP_AFTER_MS,
  judge,
  PENDING_GRACE_MS,
} from '../../../../lib/instances/domains/check';
import type { DomainRow } from '../../../../lib/instances/domains/types';
import type { Observed } from '../../../../lib/instances/lifecycle';
import { domainsStep } from '../../../../lib/instances/reconciler/domains';
import type { ReconcileRow } from '../../../../lib/platform/hasura/documents';
import { QoveryError } from '../../../../lib/platform/qovery/client';
import { fakeHasura, memoryLog } from '../queue/fakes';

const NOW = Date.parse('2026-01-02T00:00:00Z');
const row = (over: Partial<DomainRow> = {}): DomainRow => ({
  id: 1,
  project_id: 1,
  owner_id: 1,
  name: 'api.example.com',
  slot: 1,
  status: 'PENDING',
  status_reason: null,
  is_primary: false,
  use_cdn: false,
  dns_target: 'z1-z2.lb.oom.sh',
  qovery_container_id: 'c',
  qovery_domain_id: 'd',
  needs_deploy: false,
  pending_since: new Date(NOW - 60_000).toISOString(),
  checked_at: null,
  failed_at: null,
  given_up_at: null,
  created_at: new Date(NOW - 60_000).toISOString(),
  ...over,
});

describe("judging Qovery's DNS check of a custom domain", () => {
  it('asks for a redeploy once the CNAME matches (a CDN: once it resolves)', () => {
    expect(
      judge(row(), { domain_name: 'api.example.com', status: 'MATCHES_LOAD_BALANCER_HOST' }, NOW).set,
    ).toMatchObject({ needs_deploy: true });
    expect(
      judge(row({ use_cdn: true }), { domain_name: 'x', status: 'RESOLVES_TO_IP' }, NOW).set,
    ).toMatchObject({
      needs_deploy: true,
    });
    // Without a CDN, resolving to some address is not pointing at the instance.
    expect(
      judge(row(), { domain_name: 'x', status: 'RESOLVES_TO_IP' }, NOW).set.needs_deploy,
    ).toBeUndefined();
  });

  it('tells the owner what to fix while pending, and fails the name after the grace period', () => {
    const early = judge(row(), { domain_name: 'x', status: 'DOMAIN_NOT_CONFIGURED' }, NOW).set;
    expect(early).toMatchObject({ status_reason: expect.stringContaining('z1-z2.lb.oom.sh') });
    expect(early.status).toBeUndefined();
    const wrong = judge(row(), { domain_name: 'x', status: 'DOMAIN_LINKED_TO_WRONG_HOST' }, NOW).set;
    expect(wrong.status_reason).toMatch(/points somewhere else/);
    const late = row({ pending_since: new Date(NOW - PENDING_GRACE_MS).toISOString() });
    expect(
      judge(late, { domain_name: 'x', status: 'GENERIC_FAILURE', error_details: 'SERVFAIL' }, NOW).set,
    ).toMatchObject({
      status: 'FAILED',
      failed_at: new Date(NOW).toISOString(),
      status_reason: expect.stringContaining('SERVFAIL'),
    });
  });

  it('gives up on a name failed for a day', () => {
    const failed = row({ status: 'FAILED', failed_at: new Date(NOW - GIVE_UP_AFTER_MS).toISOString() });
    const verdict = judge(failed, undefined, NOW);
    expect(verdict.gaveUp).toBe(true);
    expect(verdict.set).toMatchObject({ given_up_at: new Date(NOW).toISOString() });
    expect(verdict.set.status_reason).toMatch(/stopped checking/);
    expect(
      judge(row({ status: 'FAILED', failed_at: new Date(NOW - 1000).toISOString() }), undefined, NOW).gaveUp,
    ).toBe(false);
  });
});

describe('what a check says, to the letter', () => {
  const at = new Date(NOW).toISOString();
  const checked = (status: string, error_details?: string) =>
    ({ domain_name: 'api.example.com', status, error_details }) as CheckedCustomDomainResponse;

  it('waits an hour before failing a name, checks a failed one every 15 minutes, gives up after a day', () => {
    expect([PENDING_GRACE_MS, FAILED_RECHECK_MS, GIVE_UP_AFTER_MS]).toEqual([3_600_000, 900_000, 86_400_000]);
  });

  it("asks for a redeploy of a name that validated, a CDN's that matches the host too", () => {
    expect(judge(row(), checked('MATCHES_LOAD_BALANCER_HOST'), NOW)).toEqual({
      set: {
        checked_at: at,
        status_reason:
          'The DNS record was found: the instance is being updated to serve this name and get its certificate.',
        needs_deploy: true,
      },
      gaveUp: false,
    });
    expect(judge(row({ use_cdn: true }), checked('MATCHES_LOAD_BALANCER_HOST'), NOW).set.needs_deploy).toBe(
      true,
    );
    expect(
      judge(row({ use_cdn: true }), checked('DOMAIN_NOT_CONFIGURED'), NOW).set.needs_deploy,
    ).toBeUndefined();
  });

  it.each([
    [
      'DOMAIN_NOT_CONFIGURED',
      'No DNS record was found for api.example.com: create a CNAME record pointing to z1-z2.lb.oom.sh.',
    ],
    [
      'DOMAIN_LINKED_TO_WRONG_HOST',
      'api.example.com points somewhere else: its CNAME record must point to z1-z2.lb.oom.sh.',
    ],
    [
      'RESOLVES_TO_IP',
      'api.example.com points somewhere else: its CNAME record must point to z1-z2.lb.oom.sh.',
    ],
    ['GENERIC_FAILURE', 'The DNS check of this name failed: check its record at your DNS provider.'],
  ])('tells the owner of a pending name what %s means, and nothing else changes', (status, reason) => {
    expect(judge(row(), checked(status), NOW)).toEqual({
      set: { checked_at: at, status_reason: reason },
      gaveUp: false,
    });
  });

  it("says the provider's details, cut to 200 characters, and an unknown name", () => {
    expect(judge(row(), checked('GENERIC_FAILURE', 'SERVFAIL'), NOW).set.status_reason).toBe(
      'The DNS check of this name failed (SERVFAIL): check its record at your DNS provider.',
    );
    const long = `${'x'.repeat(200)}TAIL`;
    expect(judge(row(), checked('GENERIC_FAILURE', long), NOW).set.status_reason).toBe(
      `The DNS check of this name failed (${'x'.repeat(200)}): check its record at your DNS provider.`,
    );
    expect(judge(row(), undefined, NOW).set.status_reason).toBe(
      'The hosting provider no longer knows this name: remove it and add it again.',
    );
    expect(judge(row({ dns_target: null }), checked('DOMAIN_NOT_CONFIGURED'), NOW).set.status_reason).toBe(
      'No DNS record was found for api.example.com: create a CNAME record pointing to .',
    );
  });

  it('fails a pending name an hour after it was added, not a millisecond before', () => {
    const since = (ms: number) => row({ pending_since: new Date(NOW - ms).toISOString() });
    expect(judge(since(PENDING_GRACE_MS), undefined, NOW).set).toMatchObject({
      status: 'FAILED',
      failed_at: at,
    });
    expect(judge(since(PENDING_GRACE_MS - 1), undefined, NOW).set.status).toBeUndefined();
  });

  it('keeps a failed name FAILED since it failed, until a day has passed', () => {
    const failed = (ms: number) => row({ status: 'FAILED', failed_at: new Date(NOW - ms).toISOString() });
    expect(judge(failed(GIVE_UP_AFTER_MS - 1), checked('DOMAIN_NOT_CONFIGURED'), NOW)).toEqual({
      set: {
        checked_at: at,
        status_reason:
          'No DNS record was found for api.example.com: create a CNAME record pointing to z1-z2.lb.oom.sh.',
      },
      gaveUp: false,
    });
    expect(judge(failed(GIVE_UP_AFTER_MS), checked('DOMAIN_NOT_CONFIGURED'), NOW)).toEqual({
      set: {
        checked_at: at,
        status_reason:
          'No DNS record was found for api.example.com: create a CNAME record pointing to z1-z2.lb.oom.sh. We stopped checking this name after a day of failures: fix its record, then add it again (AddDomain).',
        given_up_at: at,
      },
      gaveUp: true,
    });
    // Its failure keeps its date: a FAILED name pending for long is not failed again.
    const long = row({
      status: 'FAILED',
      pending_since: new Date(NOW - 3 * PENDING_GRACE_MS).toISOString(),
      failed_at: new Date(NOW - 2 * PENDING_GRACE_MS).toISOString(),
    });
    expect(judge(long, undefined, NOW).set).toEqual({
      checked_at: at,
      status_reason: 'The hosting provider no longer knows this name: remove it and add it again.',
    });
    // A FAILED row without its date, or a pending one, is never given up.
    expect(judge(row({ status: 'FAILED', failed_at: null }), undefined, NOW).gaveUp).toBe(false);
    const old = new Date(NOW - 2 * GIVE_UP_AFTER_MS).toISOString();
    expect(judge(row({ failed_at: old }), undefined, NOW).gaveUp).toBe(false);
  });
});

describe("followDomains: the reconciler's pass over custom domains", () => {
  const DEADLINE = NOW + 20_000;
  const on = { deadline: DEADLINE };
  const reconcileRow = (id: number, environment: string | null) =>
    ({ id, qovery_environment_id: environment }) as ReconcileRow;

  function setUp(
    read: { domain: DomainRow[]; deploy: DomainRow[] },
    options: {
      results?: Record<string, CheckedCustomDomainResponse[] | undefined>;
      deploy?: () => Promise<unknown>;
      budget?: DomainsStepDeps['budget'];
      checksPerRun?: number;
    } = {},
  ) {
    const hasura = fakeHasura({ DomainsToCheck: read, UpdateDomain: { update_domain_by_pk: { id: 1 } } });
    const calls: [string, ...unknown[]][] = [];
    const client = {
      checkContainerCustomDomain: async (id: string, callOptions: unknown) => {
        calls.push(['checkContainerCustomDomain', id, callOptions]);
        return options.results && id in options.results ? { results: options.results[id] } : {};
      },
      deployEnvironment: async (id: string, callOptions: unknown) => {
        calls.push(['deployEnvironment', id, callOptions]);
        return options.deploy?.();
      },
    } as unknown as DomainsStepDeps['client'];
    const { log, lines } = memoryLog();
    const step = domainsStep({
      hasura: hasura.hasura,
      client,
      log,
      checksPerRun: options.checksPerRun ?? 2,
      now: () => NOW,
      ...(options.budget ? { budget: options.budget } : {}),
    });
    return { step, hasura, calls, lines };
  }

  const states = (entries: [string, Observed][]) => new Map(entries);
  const ok = (name = 'api.example.com') =>
    ({ domain_name: name, status: 'MATCHES_LOAD_BALANCER_HOST' }) as CheckedCustomDomainResponse;

  it('is the reconciler step named domains', () => {
    expect(setUp({ domain: [], deploy: [] }).step.name).toBe('domains');
  });

  it('reads 50 names at most, failed ones last checked over 15 minutes ago, and does nothing more when none', async () => {
    const reserve = jest.fn();
    const { step, hasura, calls } = setUp(
      { domain: [], deploy: [] },
      { budget: { reserve } as unknown as DomainsStepDeps['budget'] },
    );
    expect(await step.run({ rows: [], states: new Map(), deadline: DEADLINE })).toEqual({ changed: 0 });
    expect(hasura.requests).toEqual([
      { op: 'DomainsToCheck', variables: { before: '2026-01-01T23:45:00.000Z', limit: 50 }, options: on },
    ]);
    expect(calls).toEqual([]);
    // Not even a reservation of nothing.
    expect(reserve).not.toHaveBeenCalled();
  });

  it('checks each container once for all its names, redeploys a running instance whose name validated, and activates it', async () => {
    const a = row({ id: 1, status: 'PENDING', qovery_container_id: 'c1' });
    const b = row({ id: 2, name: 'b.example.com', qovery_container_id: 'c1', status: 'PENDING' });
    const { step, hasura, calls, lines } = setUp(
      { domain: [a, b], deploy: [] },
      {
        results: {
          c1: [ok('api.example.com'), { domain_name: 'b.example.com', status: 'DOMAIN_NOT_CONFIGURED' }],
        },
      },
    );
    const context = {
      rows: [reconcileRow(1, 'env-1')],
      states: states([['env-1', 'DEPLOYED']]),
      deadline: DEADLINE,
    };
    expect(await step.run(context)).toEqual({ changed: 3 });
    expect(calls).toEqual([
      ['checkContainerCustomDomain', 'c1', on],
      ['deployEnvironment', 'env-1', expect.objectContaining(on)],
    ]);
    expect(hasura.requests.slice(1).map((r) => [r.variables.id, r.variables.set])).toEqual([
      [1, expect.objectContaining({ needs_deploy: true })],
      [2, expect.objectContaining({ status_reason: expect.stringContaining('No DNS record') })],
      [1, { needs_deploy: false, status: 'ACTIVE', status_reason: null }],
    ]);
    expect(
      hasura.requests
        .slice(1)
        .every((r) => r.options && (r.options as { deadline: number }).deadline === DEADLINE),
    ).toBe(true);
    expect(lines).toEqual([['info', 'domain.deployed', { projectId: 1, domains: 1, redeployed: true }]]);
  });

  it('activates the names of a stopped instance without a redeploy, keeping the reason of one ACTIVE', async () => {
    const a = row({ id: 1, needs_deploy: true, status: 'ACTIVE', status_reason: 'Kept.' });
    const b = row({ id: 2, needs_deploy: true, name: 'b.example.com' });
    const { step, hasura, calls, lines } = setUp({ domain: [], deploy: [a, b] });
    const context = {
      rows: [reconcileRow(1, 'env-1')],
      states: states([['env-1', 'STOPPED']]),
      deadline: DEADLINE,
    };
    expect(await step.run(context)).toEqual({ changed: 2 });
    expect(calls).toEqual([]);
    expect(hasura.requests.slice(1).map((r) => [r.variables.id, r.variables.set])).toEqual([
      [1, { needs_deploy: false, status: 'ACTIVE' }],
      [2, { needs_deploy: false, status: 'ACTIVE', status_reason: null }],
    ]);
    expect(lines).toEqual([['info', 'domain.deployed', { projectId: 1, domains: 2, redeployed: false }]]);
  });

  it('leaves a redeploy for later while the instance is busy, unknown, or has no environment', async () => {
    const waiting = row({ id: 1, needs_deploy: true });
    for (const [rows, observed] of [
      [[reconcileRow(1, 'env-1')], states([['env-1', 'DEPLOYING']])],
      [[reconcileRow(1, 'env-1')], states([])],
      [[reconcileRow(1, null)], states([['env-1', 'DEPLOYED']])],
      [[reconcileRow(2, 'env-1')], states([['env-1', 'DEPLOYED']])],
    ] as const) {
      const { step, hasura, calls } = setUp({ domain: [], deploy: [waiting] });
      expect(await step.run({ rows, states: observed, deadline: DEADLINE })).toEqual({ changed: 0 });
      expect([calls, hasura.ops()]).toEqual([[], ['DomainsToCheck']]);
    }
    for (const error of [new QoveryError('conflict', 'deployEnvironment', 409, undefined, 1)]) {
      const { step, hasura } = setUp(
        { domain: [], deploy: [waiting] },
        { deploy: () => Promise.reject(error) },
      );
      const context = {
        rows: [reconcileRow(1, 'env-1')],
        states: states([['env-1', 'DEPLOYED']]),
        deadline: DEADLINE,
      };
      expect(await step.run(context)).toEqual({ changed: 0 });
      expect(hasura.ops()).toEqual(['DomainsToCheck']);
    }
  });

  it('checks names of at most checksPerRun containers a run, and none without a container', async () => {
    const names = [
      row({ id: 1, qovery_container_id: 'c1' }),
      row({ id: 2, qovery_container_id: 'c2' }),
      row({ id: 3, qovery_container_id: 'c1' }),
      row({ id: 4, qovery_container_id: 'c3' }),
      row({ id: 5, qovery_container_id: null }),
    ];
    const { step, calls, hasura } = setUp({ domain: names, deploy: [] }, { checksPerRun: 2 });
    expect(await step.run({ rows: [], states: new Map(), deadline: DEADLINE })).toEqual({ changed: 3 });
    expect(calls.map((call) => call[1])).toEqual(['c1', 'c2']);
    expect(hasura.requests.slice(1).map((r) => r.variables.id)).toEqual([1, 3, 2]);
    const none = setUp({ domain: [row({ qovery_container_id: null })], deploy: [] });
    expect(await none.step.run({ rows: [], states: new Map(), deadline: DEADLINE })).toEqual({ changed: 0 });
    expect(none.calls).toEqual([]);
    const zero = setUp({ domain: names, deploy: [] }, { checksPerRun: 0 });
    expect(await zero.step.run({ rows: [], states: new Map(), deadline: DEADLINE })).toEqual({ changed: 0 });
    expect(zero.calls).toEqual([]);
  });

  it('warns when it gives a name up', async () => {
    const failed = row({
      id: 9,
      project_id: 4,
      status: 'FAILED',
      failed_at: new Date(NOW - GIVE_UP_AFTER_MS).toISOString(),
    });
    const { step, lines } = setUp({ domain: [failed], deploy: [] }, { results: { c: [] } });
    expect(await step.run({ rows: [], states: new Map(), deadline: DEADLINE })).toEqual({ changed: 1 });
    expect(lines).toEqual([['warn', 'domain.given-up', { domainId: 9, projectId: 4 }]]);
  });

  it('reserves the checks and one redeploy per instance at once, and does nothing when refused', async () => {
    const reserved: [number, unknown][] = [];
    let granted = true;
    const budget = {
      reserve: async (cost: number, options: unknown) => {
        reserved.push([cost, options]);
        return granted
          ? { granted: true, run: async <T>(work: () => Promise<T>) => work() }
          : { granted: false, retryAfterSeconds: 30 };
      },
    } as unknown as DomainsStepDeps['budget'];
    const read = {
      domain: [
        row({ id: 1, project_id: 1, qovery_container_id: 'c1' }),
        row({ id: 2, project_id: 1, qovery_container_id: 'c1' }),
        row({ id: 3, project_id: 2, qovery_container_id: 'c2' }),
      ],
      deploy: [
        row({ id: 4, project_id: 3, needs_deploy: true }),
        row({ id: 5, project_id: 1, needs_deploy: true }),
      ],
    };
    const context = { rows: [], states: new Map(), deadline: DEADLINE };
    const first = setUp(read, { budget });
    await first.step.run(context);
    // 2 checks, 3 instances.
    expect(reserved).toEqual([[5, on]]);
    expect(first.calls).toHaveLength(2);
    granted = false;
    const refused = setUp(read, { budget });
    expect(await refused.step.run(context)).toEqual({ changed: 0 });
    expect([refused.calls, refused.hasura.ops()]).toEqual([[], ['DomainsToCheck']]);
  });
});
