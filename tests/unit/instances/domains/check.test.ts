import { GIVE_UP_AFTER_MS, judge, PENDING_GRACE_MS } from '../../../../lib/instances/domains/check';
import type { DomainRow } from '../../../../lib/instances/domains/types';

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
