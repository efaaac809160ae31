import { AppError } from '../../../../lib/basics/errors';
import { EnvReader } from '../../../../lib/basics/settings';
import { createDomains } from '../../../../lib/instances/domains';
import { withBudget } from '../../../../lib/instances/domains/qovery';
import { deployLater } from '../../../../lib/instances/domains/remove';
import { readDomains } from '../../../../lib/instances/domains/settings';
import { domainReasons } from '../../../../lib/instances/domains/shared';
import type { DomainRow, DomainsClient, DomainsDeps } from '../../../../lib/instances/domains/types';
import { HasuraError } from '../../../../lib/platform/hasura/client';
import { QoveryError, type QoveryErrorKind } from '../../../../lib/platform/qovery/client';
import { fakeHasura, memoryLog, NOW } from '../queue/fakes';

/**
 * AddDomain, RemoveDomain and SetPrimaryDomain (lib/instances/domains/add.ts, remove.ts,
 * primary.ts, with shared.ts and qovery.ts) on Hasura and Qovery faked in memory: what each asks,
 * what it refuses, and what it leaves behind. The same on the stand-ins, through the reconciler:
 * tests/integration/instances/domains.test.ts.
 */

const DEADLINE = NOW + 10_000;
const on = { deadline: DEADLINE };
const qoveryError = (kind: QoveryErrorKind) => new QoveryError(kind, 'deployEnvironment', 409, undefined, 1);

function domain(over: Partial<DomainRow> = {}): DomainRow {
  return {
    id: 11,
    project_id: 7,
    owner_id: 3,
    name: 'api.example.com',
    slot: 1,
    status: 'ACTIVE',
    status_reason: null,
    is_primary: false,
    use_cdn: false,
    dns_target: 'target.lb.example.net',
    qovery_container_id: 'a1b2c3d4-0000-4000-8000-000000000001',
    qovery_domain_id: 'cd-1',
    needs_deploy: false,
    pending_since: '2026-03-01T09:00:00Z',
    checked_at: null,
    failed_at: null,
    given_up_at: null,
    created_at: '2026-03-01T09:00:00Z',
    ...over,
  } as DomainRow;
}

function project(domains: DomainRow[] = [], over: Record<string, unknown> = {}) {
  return {
    id: 7,
    status: 'RUNNING',
    url: 'https://z1-gtw.oom.sh',
    qovery_environment_id: 'env-7',
    domains,
    ...over,
  };
}

type ClientAnswers = Partial<Record<keyof DomainsClient, (...args: unknown[]) => Promise<unknown>>>;

function setUp(
  found: ReturnType<typeof project> | null,
  answers: ClientAnswers = {},
  hasuraAnswers: Record<string, unknown> = {},
  deps: Partial<DomainsDeps> = {},
) {
  const hasura = fakeHasura({
    FindOwnProjectDomains: { project: found ? [found] : [], domain: [] },
    ClaimDomain: {
      insert_domain_one: domain({ id: 12, name: 'new.example.com', status: 'PENDING', slot: 2 }),
    },
    UpdateDomain: { update_domain_by_pk: { id: 1 } },
    DeleteDomain: { delete_domain_by_pk: { id: 1 } },
    SetPrimaryDomain: { update_domain: { affected_rows: 1 } },
    ...hasuraAnswers,
  });
  const calls: [string, ...unknown[]][] = [];
  const defaults: ClientAnswers = {
    listContainer: async () => ({
      results: [
        { id: 'other-1', name: 'appwrite' },
        { id: 'a1b2c3d4-0000-4000-8000-000000000001', name: 'proxy' },
      ],
    }),
    createContainerCustomDomain: async () => ({ id: 'cd-2', validation_domain: 'target.lb.example.net' }),
    deleteContainerCustomDomain: async () => undefined,
    importContainerEnvironmentVariable: async () => ({}),
    deployEnvironment: async () => ({}),
  };
  const client = Object.fromEntries(
    Object.entries({ ...defaults, ...answers }).map(([name, answer]) => [
      name,
      async (...args: unknown[]) => {
        calls.push([name, ...args]);
        return answer?.(...args);
      },
    ]),
  ) as unknown as DomainsClient;
  const { log, lines } = memoryLog();
  const domains = createDomains({ hasura: hasura.hasura, client, maxPerProject: 3, ...deps });
  return {
    domains,
    hasura,
    calls,
    called: () => calls.map((call) => call[0]),
    log,
    lines,
    caller: { userId: 3, deadline: DEADLINE, log },
  };
}

/** A budget that grants (recording the costs) or refuses. */
function budget(granted = true) {
  const reserved: [number, unknown][] = [];
  return {
    reserved,
    budget: {
      reserve: async (cost: number, options: unknown) => {
        reserved.push([cost, options]);
        return granted
          ? { granted: true, run: <T>(work: () => Promise<T>) => work() }
          : { granted: false, retryAfterSeconds: 42 };
      },
    } as unknown as DomainsDeps['budget'],
  };
}

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'answered',
    (error: unknown) => (error instanceof AppError ? error.code : String(error)),
  );

beforeEach(() => {
  jest.spyOn(Date, 'now').mockReturnValue(NOW);
});
afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
});

describe('AddDomain', () => {
  it("adds the name to the instance's proxy and answers the record to create", async () => {
    const { domains, hasura, calls, caller, lines } = setUp(project());
    const answer = await domains.add(7, { domain: ' New.Example.com. ' }, caller);
    const reason =
      'Create a CNAME record for new.example.com pointing to target.lb.example.net at your DNS provider. This status moves by itself once the record is found (DNS changes can take up to an hour to be seen).';
    expect(answer).toEqual({
      domain: 'new.example.com',
      status: 'PENDING',
      reason,
      recordName: 'new.example.com',
      recordType: 'CNAME',
      recordTarget: 'target.lb.example.net',
    });
    expect(hasura.requests).toEqual([
      { op: 'FindOwnProjectDomains', variables: { id: 7, ownerId: 3, name: 'new.example.com' }, options: on },
      {
        op: 'ClaimDomain',
        variables: {
          object: { project_id: 7, owner_id: 3, name: 'new.example.com', slot: 1, use_cdn: false },
        },
        options: on,
      },
      {
        op: 'UpdateDomain',
        variables: {
          id: 12,
          set: {
            qovery_container_id: 'a1b2c3d4-0000-4000-8000-000000000001',
            qovery_domain_id: 'cd-2',
            dns_target: 'target.lb.example.net',
            status_reason: reason,
          },
        },
        options: on,
      },
    ]);
    expect(calls).toEqual([
      ['listContainer', 'env-7', on],
      [
        'createContainerCustomDomain',
        'a1b2c3d4-0000-4000-8000-000000000001',
        { domain: 'new.example.com', generate_certificate: true, use_cdn: false },
        on,
      ],
    ]);
    expect(lines).toEqual([
      ['info', 'domain.added', { projectId: 7, domain: 'new.example.com', cdn: false }],
    ]);
  });

  it("reuses the proxy's id a domain already has, takes the first free slot, and asks for a CDN and flattening", async () => {
    const { budget: granting, reserved } = budget();
    const existing = [
      domain({ slot: 1 }),
      domain({ id: 13, name: 'b.example.com', slot: 3, qovery_container_id: null }),
    ];
    const { domains, hasura, calls, caller, lines } = setUp(project(existing), {}, {}, { budget: granting });
    const answer = await domains.add(7, { domain: 'example.org', cdn: true, cnameFlattening: true }, caller);
    expect(calls).toEqual([
      [
        'createContainerCustomDomain',
        'a1b2c3d4-0000-4000-8000-000000000001',
        { domain: 'example.org', generate_certificate: true, use_cdn: true },
        on,
      ],
    ]);
    expect(reserved).toEqual([[1, on]]);
    expect(hasura.requests[1]?.variables).toEqual({
      object: { project_id: 7, owner_id: 3, name: 'example.org', slot: 2, use_cdn: true },
    });
    expect(answer.reason).toBe(
      'Create a CNAME (flattened: ALIAS or ANAME) record for example.org pointing to target.lb.example.net at your DNS provider. This status moves by itself once the record is found (DNS changes can take up to an hour to be seen).',
    );
    expect(lines[0]?.[2]).toMatchObject({ cdn: true });
  });

  it('reserves 2 Qovery calls when the proxy must be looked up, and refuses when the budget has no room', async () => {
    const granting = budget();
    const first = setUp(project(), {}, {}, { budget: granting.budget });
    await first.domains.add(7, { domain: 'new.example.com' }, first.caller);
    expect(granting.reserved).toEqual([[2, on]]);

    const refusing = setUp(project(), {}, {}, { budget: budget(false).budget });
    const error = await refusing.domains
      .add(7, { domain: 'new.example.com' }, refusing.caller)
      .catch((e) => e);
    expect(error).toMatchObject({ code: 'infrastructure-unavailable', details: { retryAfterSeconds: 42 } });
    expect(refusing.called()).toEqual([]);
    // The slot is given back.
    expect(refusing.hasura.ops()).toEqual(['FindOwnProjectDomains', 'ClaimDomain', 'DeleteDomain']);
  });

  it('answers an empty target when Qovery gives none', async () => {
    const { domains, caller } = setUp(project(), {
      createContainerCustomDomain: async () => ({ id: 'cd-2' }),
    });
    expect(await domains.add(7, { domain: 'new.example.com' }, caller)).toMatchObject({ recordTarget: '' });
  });

  it('answers a name it has as it stands', async () => {
    const { domains, hasura, called, caller } = setUp(
      project([domain({ status: 'PENDING', status_reason: 'Waiting.', dns_target: null })]),
    );
    expect(await domains.add(7, { domain: 'API.example.com' }, caller)).toEqual({
      domain: 'api.example.com',
      status: 'PENDING',
      reason: 'Waiting.',
      recordName: 'api.example.com',
      recordType: 'CNAME',
      recordTarget: '',
    });
    expect(hasura.ops()).toEqual(['FindOwnProjectDomains']);
    expect(called()).toEqual([]);
  });

  it('follows a FAILED name again from now', async () => {
    jest.useFakeTimers({ now: NOW, doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate', 'setTimeout'] });
    const { domains, hasura, called, caller } = setUp(
      project([domain({ status: 'FAILED', status_reason: 'Wrong.', failed_at: '2026-03-01T08:00:00Z' })]),
    );
    const answer = await domains.add(7, { domain: 'api.example.com', cnameFlattening: true }, caller);
    const reason =
      'Create a CNAME (flattened: ALIAS or ANAME) record for api.example.com pointing to target.lb.example.net at your DNS provider. This status moves by itself once the record is found (DNS changes can take up to an hour to be seen).';
    expect(answer).toMatchObject({ status: 'PENDING', reason, recordTarget: 'target.lb.example.net' });
    expect(hasura.requests[1]).toEqual({
      op: 'UpdateDomain',
      variables: {
        id: 11,
        set: {
          status: 'PENDING',
          status_reason: reason,
          pending_since: '2026-03-01T10:00:00.000Z',
          failed_at: null,
          given_up_at: null,
          checked_at: null,
        },
      },
      options: on,
    });
    expect(called()).toEqual([]);
  });

  it('follows a FAILED name again, asking for a plain CNAME record', async () => {
    const { domains, caller } = setUp(project([domain({ status: 'FAILED' })]));
    expect((await domains.add(7, { domain: 'api.example.com' }, caller)).reason).toBe(
      'Create a CNAME record for api.example.com pointing to target.lb.example.net at your DNS provider. This status moves by itself once the record is found (DNS changes can take up to an hour to be seen).',
    );
  });

  it('takes the last slot', async () => {
    const two = [1, 2].map((slot) => domain({ id: slot, name: `d${slot}.example.com`, slot }));
    const { domains, hasura, caller } = setUp(project(two));
    await domains.add(7, { domain: 'new.example.com' }, caller);
    expect(hasura.requests[1]?.variables).toMatchObject({ object: { slot: 3 } });
  });

  it('refuses a name another instance holds, a generated one, and an apex without flattening', async () => {
    const held = setUp(
      project(),
      {},
      { FindOwnProjectDomains: { project: [project()], domain: [{ id: 1, project_id: 9 }] } },
    );
    expect(await codeOf(held.domains.add(7, { domain: 'new.example.com' }, held.caller))).toBe(
      'domain-taken',
    );
    const generated = setUp(project());
    expect(await codeOf(generated.domains.add(7, { domain: 'x.oom.sh' }, generated.caller))).toBe(
      'domain-reserved',
    );
    const apex = setUp(project());
    expect(await codeOf(apex.domains.add(7, { domain: 'example.com' }, apex.caller))).toBe('domain-apex');
    expect(
      await codeOf(apex.domains.add(7, { domain: 'example.com', cnameFlattening: false }, apex.caller)),
    ).toBe('domain-apex');
    for (const { hasura } of [held, generated, apex])
      expect(hasura.ops().every((op) => op === 'FindOwnProjectDomains')).toBe(true);
  });

  it("answers another user's project as one that does not exist", async () => {
    const { domains, caller } = setUp(null);
    expect(await codeOf(domains.add(7, { domain: 'new.example.com' }, caller))).toBe('not-found');
  });

  it.each([
    ['CREATING', 'env-7'],
    ['DELETING', 'env-7'],
    ['STOPPED', null],
  ])('refuses while the instance is %s (environment %s)', async (status, environment) => {
    const { domains, hasura, caller } = setUp(project([], { status, qovery_environment_id: environment }));
    const error = await domains.add(7, { domain: 'new.example.com' }, caller).catch((e) => e);
    expect(error).toMatchObject({
      code: 'project-busy',
      message: 'The instance is being created or deleted: its domains cannot change now.',
      details: { status },
    });
    expect(hasura.ops()).toEqual(['FindOwnProjectDomains']);
  });

  it('refuses a fourth name, saying how many are allowed', async () => {
    const three = [1, 2, 3].map((slot) => domain({ id: slot, name: `d${slot}.example.com`, slot }));
    const { domains, caller } = setUp(project(three));
    const error = await domains.add(7, { domain: 'new.example.com' }, caller).catch((e) => e);
    expect(error).toMatchObject({
      code: 'domain-quota-exceeded',
      message: 'This instance already has 3 custom domains, the most allowed. Remove one first.',
      details: { max: 3 },
    });
  });

  it('settles concurrent calls on the unique name and slot', async () => {
    const violation = (constraint: string) =>
      new HasuraError(
        `Uniqueness violation. duplicate key value violates unique constraint "${constraint}"`,
        'constraint-violation',
      );
    const name = setUp(project(), {}, { ClaimDomain: violation('domain_name_key') });
    expect(await codeOf(name.domains.add(7, { domain: 'new.example.com' }, name.caller))).toBe(
      'domain-taken',
    );
    const slot = setUp(project(), {}, { ClaimDomain: violation('domain_project_id_slot_key') });
    const busy = await slot.domains.add(7, { domain: 'new.example.com' }, slot.caller).catch((e) => e);
    expect(busy).toMatchObject({
      code: 'project-busy',
      message: 'Another domain is being added to this instance. Try again.',
    });
    const unknown = violation('domain_other_key');
    const elsewhere = setUp(project(), {}, { ClaimDomain: unknown });
    await expect(elsewhere.domains.add(7, { domain: 'new.example.com' }, elsewhere.caller)).rejects.toBe(
      unknown,
    );
    const other = new HasuraError('Hasura down', 'unexpected');
    const down = setUp(project(), {}, { ClaimDomain: other });
    await expect(down.domains.add(7, { domain: 'new.example.com' }, down.caller)).rejects.toBe(other);
    for (const { called } of [name, slot, down]) expect(called()).toEqual([]);
  });

  it('fails when the claim inserted nothing', async () => {
    const { domains, caller } = setUp(project(), {}, { ClaimDomain: { insert_domain_one: null } });
    const error = await domains.add(7, { domain: 'new.example.com' }, caller).catch((e) => e);
    expect(error).toMatchObject({ code: 'internal-error' });
    expect((error as AppError).cause).toEqual(new Error('ClaimDomain inserted nothing'));
  });

  it("frees the slot when Qovery fails, and answers Qovery's failure from the catalogue", async () => {
    const { domains, hasura, caller } = setUp(project(), {
      createContainerCustomDomain: () => Promise.reject(qoveryError('conflict')),
    });
    expect(await codeOf(domains.add(7, { domain: 'new.example.com' }, caller))).toBe(
      'infrastructure-conflict',
    );
    expect(hasura.requests.at(-1)).toEqual({ op: 'DeleteDomain', variables: { id: 12 }, options: on });
  });

  it('answers the first failure even when the slot could not be freed', async () => {
    const { domains, caller } = setUp(
      project(),
      { listContainer: async () => ({ results: [{ id: 'x', name: 'appwrite' }] }) },
      { DeleteDomain: new Error('Hasura down') },
    );
    // No proxy container: no id.
    expect(await codeOf(domains.add(7, { domain: 'new.example.com' }, caller))).toBe('internal-error');
  });

  it('finds no proxy in an environment without containers', async () => {
    const { domains, caller } = setUp(project(), { listContainer: async () => ({}) });
    expect(await codeOf(domains.add(7, { domain: 'new.example.com' }, caller))).toBe('internal-error');
  });
});

describe('RemoveDomain', () => {
  it('deletes a served name on Qovery, redeploys a running instance, then forgets it', async () => {
    const granting = budget();
    const { domains, hasura, calls, caller, lines } = setUp(
      project([domain()]),
      {},
      {},
      { budget: granting.budget },
    );
    expect(await domains.remove(7, 'API.example.com', caller)).toEqual({ ok: true });
    expect(calls).toEqual([
      ['deleteContainerCustomDomain', 'a1b2c3d4-0000-4000-8000-000000000001', 'cd-1', on],
      ['deployEnvironment', 'env-7', on],
    ]);
    expect(granting.reserved).toEqual([[2, on]]);
    expect(hasura.requests.slice(1)).toEqual([{ op: 'DeleteDomain', variables: { id: 11 }, options: on }]);
    expect(lines).toEqual([
      ['info', 'domain.removed', { projectId: 7, domain: 'api.example.com', wasPrimary: false }],
    ]);
  });

  it('gives AppWrite its generated host back when the name was primary', async () => {
    const granting = budget();
    const { domains, calls, caller, lines } = setUp(
      project([domain({ is_primary: true, status: 'PENDING' })]),
      {},
      {},
      {
        budget: granting.budget,
      },
    );
    await domains.remove(7, 'api.example.com', caller);
    expect(calls.map((call) => call.slice(0, 2))).toEqual([
      ['deleteContainerCustomDomain', 'a1b2c3d4-0000-4000-8000-000000000001'],
      ['importContainerEnvironmentVariable', 'a1b2c3d4-0000-4000-8000-000000000001'],
      ['deployEnvironment', 'env-7'],
    ]);
    expect(JSON.stringify(calls[1]?.[2])).not.toContain('api.example.com');
    expect(granting.reserved).toEqual([[3, on]]);
    expect(lines[0]?.[2]).toMatchObject({ wasPrimary: true });
  });

  it('deploys nothing for a name never served, or an instance not running', async () => {
    for (const [row, status] of [
      [domain({ status: 'PENDING' }), 'RUNNING'],
      [domain({ status: 'FAILED' }), 'RUNNING'],
      [domain(), 'STOPPED'],
      [domain({ is_primary: true }), 'STOPPED'],
    ] as const) {
      const granting = budget();
      const { domains, called, caller } = setUp(
        project([row], { status }),
        {},
        {},
        { budget: granting.budget },
      );
      await domains.remove(7, 'api.example.com', caller);
      expect(called()).not.toContain('deployEnvironment');
      expect(granting.reserved[0]?.[0]).toBe(row.is_primary ? 2 : 1);
    }
  });

  it('asks Qovery nothing for a name it never got', async () => {
    const granting = budget();
    const { domains, called, hasura, caller } = setUp(
      project(
        [domain({ status: 'PENDING', is_primary: true, qovery_container_id: null, qovery_domain_id: null })],
        {
          status: 'STOPPED',
        },
      ),
      {},
      {},
      { budget: granting.budget },
    );
    await domains.remove(7, 'api.example.com', caller);
    expect(called()).toEqual([]);
    expect(granting.reserved).toEqual([[0, on]]);
    expect(hasura.ops()).toContain('DeleteDomain');
    const noId = setUp(
      project([domain({ status: 'PENDING', qovery_domain_id: null })], { status: 'STOPPED' }),
    );
    await noId.domains.remove(7, 'api.example.com', noId.caller);
    expect(noId.called()).toEqual([]);
  });

  it('takes a custom domain Qovery no longer has for deleted, and fails on anything else', async () => {
    const gone = setUp(project([domain()], { status: 'STOPPED' }), {
      deleteContainerCustomDomain: () => Promise.reject(qoveryError('not-found')),
    });
    expect(await gone.domains.remove(7, 'api.example.com', gone.caller)).toEqual({ ok: true });
    expect(gone.hasura.ops()).toContain('DeleteDomain');
    const broken = setUp(project([domain()], { status: 'STOPPED' }), {
      deleteContainerCustomDomain: () => Promise.reject(qoveryError('unavailable')),
    });
    expect(await codeOf(broken.domains.remove(7, 'api.example.com', broken.caller))).toBe(
      'infrastructure-unavailable',
    );
    expect(broken.hasura.ops()).not.toContain('DeleteDomain');
  });

  it("leaves the redeploy to the reconciler, through another of the project's names, when one is under way", async () => {
    for (const kind of ['conflict', 'rejected'] as const) {
      const other = domain({ id: 14, name: 'b.example.com', slot: 2 });
      const { domains, hasura, caller } = setUp(project([domain(), other]), {
        deployEnvironment: () => Promise.reject(qoveryError(kind)),
      });
      await domains.remove(7, 'api.example.com', caller);
      expect(hasura.requests.slice(1)).toEqual([
        { op: 'UpdateDomain', variables: { id: 14, set: { needs_deploy: true } }, options: on },
        { op: 'DeleteDomain', variables: { id: 11 }, options: on },
      ]);
    }
    const alone = setUp(project([domain()]), {
      deployEnvironment: () => Promise.reject(qoveryError('conflict')),
    });
    await alone.domains.remove(7, 'api.example.com', alone.caller);
    expect(alone.hasura.ops()).toEqual(['FindOwnProjectDomains', 'DeleteDomain']);
    const broken = setUp(project([domain()]), {
      deployEnvironment: () => Promise.reject(qoveryError('unavailable')),
    });
    expect(await codeOf(broken.domains.remove(7, 'api.example.com', broken.caller))).toBe(
      'infrastructure-unavailable',
    );
  });

  it('refuses a name the project does not have, and a project that cannot change', async () => {
    const missing = setUp(project([domain()]));
    expect(await codeOf(missing.domains.remove(7, 'other.example.com', missing.caller))).toBe(
      'domain-not-found',
    );
    const deleting = setUp(project([domain()], { status: 'DELETING' }));
    expect(await codeOf(deleting.domains.remove(7, 'api.example.com', deleting.caller))).toBe('project-busy');
  });
});

describe('SetPrimaryDomain', () => {
  it('gives AppWrite an ACTIVE name and redeploys a running instance', async () => {
    const granting = budget();
    const { domains, hasura, calls, caller, lines } = setUp(
      project([domain()]),
      {},
      {},
      { budget: granting.budget },
    );
    expect(await domains.setPrimary(7, 'API.example.com', caller)).toEqual({ ok: true });
    expect(calls.map((call) => call.slice(0, 2))).toEqual([
      ['importContainerEnvironmentVariable', 'a1b2c3d4-0000-4000-8000-000000000001'],
      ['deployEnvironment', 'env-7'],
    ]);
    // AppWrite's names, for the whole environment.
    const body = calls[0]?.[2] as { vars: { name: string; value: string; scope: string }[] };
    expect(body.vars.map((v) => [v.name, v.value, v.scope])).toEqual([
      ['_APP_DOMAIN', 'api.example.com', 'ENVIRONMENT'],
      ['_APP_CONSOLE_DOMAIN', 'api.example.com', 'ENVIRONMENT'],
      ['_APP_DOMAIN_TARGET_CNAME', 'api.example.com', 'ENVIRONMENT'],
    ]);
    expect(calls[0]?.[3]).toEqual(on);
    expect(granting.reserved).toEqual([[2, on]]);
    expect(hasura.requests).toEqual([
      { op: 'FindOwnProjectDomains', variables: { id: 7, ownerId: 3, name: 'api.example.com' }, options: on },
      { op: 'SetPrimaryDomain', variables: { projectId: 7, id: 11 }, options: on },
    ]);
    expect(lines).toEqual([['info', 'domain.primary', { projectId: 7, domain: 'api.example.com' }]]);
  });

  it('gives AppWrite its generated host back (null), through the current primary', async () => {
    const granting = budget();
    const { domains, hasura, calls, caller } = setUp(
      project([domain({ is_primary: true, qovery_container_id: 'f9e8d7c6-0000-4000-8000-000000000009' })], {
        status: 'STOPPED',
      }),
      {},
      {},
      { budget: granting.budget },
    );
    await domains.setPrimary(7, null, caller);
    expect(calls.map((call) => call.slice(0, 2))).toEqual([
      ['importContainerEnvironmentVariable', 'f9e8d7c6-0000-4000-8000-000000000009'],
    ]);
    expect(JSON.stringify(calls[0]?.[2])).not.toContain('api.example.com');
    expect(granting.reserved).toEqual([[1, on]]);
    expect(hasura.requests[0]?.variables).toEqual({ id: 7, ownerId: 3, name: '' });
    expect(hasura.requests[1]).toEqual({
      op: 'SetPrimaryDomain',
      variables: { projectId: 7, id: 0 },
      options: on,
    });
  });

  it('changes nothing when the name is primary already, or there is none and none is asked', async () => {
    const already = setUp(project([domain({ is_primary: true })]));
    expect(await already.domains.setPrimary(7, 'api.example.com', already.caller)).toEqual({ ok: true });
    expect([already.called(), already.hasura.ops()]).toEqual([[], ['FindOwnProjectDomains']]);
    const none = setUp(project([domain()]));
    await none.domains.setPrimary(7, null, none.caller);
    expect([none.called(), none.hasura.ops()]).toEqual([[], ['FindOwnProjectDomains']]);
  });

  it('refuses a name not ACTIVE yet, or unknown', async () => {
    for (const status of ['PENDING', 'FAILED']) {
      const { domains, called, caller } = setUp(project([domain({ status })]));
      expect(await codeOf(domains.setPrimary(7, 'api.example.com', caller))).toBe('domain-not-active');
      expect(called()).toEqual([]);
    }
    const unknown = setUp(project([domain()]));
    expect(await codeOf(unknown.domains.setPrimary(7, 'b.example.com', unknown.caller))).toBe(
      'domain-not-found',
    );
  });

  it('fails on a domain without its container', async () => {
    const { domains, caller } = setUp(project([domain({ qovery_container_id: null })]));
    const error = await domains.setPrimary(7, 'api.example.com', caller).catch((e) => e);
    expect(error).toMatchObject({ code: 'internal-error' });
    expect((error as AppError).cause).toEqual(new Error('A domain without its container'));
  });

  it('leaves the redeploy to the reconciler when one is under way', async () => {
    const { domains, hasura, caller } = setUp(project([domain()]), {
      deployEnvironment: () => Promise.reject(qoveryError('conflict')),
    });
    await domains.setPrimary(7, 'api.example.com', caller);
    expect(hasura.requests.at(-1)).toEqual({
      op: 'UpdateDomain',
      variables: { id: 11, set: { needs_deploy: true } },
      options: on,
    });
    const back = setUp(project([domain({ is_primary: true, id: 15 })]), {
      deployEnvironment: () => Promise.reject(qoveryError('rejected')),
    });
    await back.domains.setPrimary(7, null, back.caller);
    expect(back.hasura.requests.at(-1)).toMatchObject({ op: 'UpdateDomain', variables: { id: 15 } });
  });

  it('refuses while the instance cannot change', async () => {
    const { domains, called, caller } = setUp(project([domain()], { status: 'CREATING' }));
    expect(await codeOf(domains.setPrimary(7, 'api.example.com', caller))).toBe('project-busy');
    expect(called()).toEqual([]);
  });
});

describe('deployLater', () => {
  it("marks the project's first name for a redeploy when none is set apart", async () => {
    const { hasura } = setUp(null);
    await deployLater(
      { hasura: hasura.hasura },
      project([domain({ id: 5 }), domain({ id: 6 })]),
      null,
      DEADLINE,
    );
    expect(hasura.requests).toEqual([
      { op: 'UpdateDomain', variables: { id: 5, set: { needs_deploy: true } }, options: on },
    ]);
  });
});

describe('withBudget', () => {
  it('runs the work at once without a budget', async () => {
    expect(await withBudget({}, 3, DEADLINE, async () => 'done')).toBe('done');
  });
});

describe('the words owners read', () => {
  it('says what is wrong with a name, and when it was given up', () => {
    expect(domainReasons.found).toBe(
      'The DNS record was found: the instance is being updated to serve this name and get its certificate.',
    );
    expect(domainReasons.notConfigured('a.example.com', 't.example.net')).toBe(
      'No DNS record was found for a.example.com: create a CNAME record pointing to t.example.net.',
    );
    expect(domainReasons.wrongTarget('a.example.com', 't.example.net')).toBe(
      'a.example.com points somewhere else: its CNAME record must point to t.example.net.',
    );
    expect(domainReasons.checkFailed('NXDOMAIN')).toBe(
      'The DNS check of this name failed (NXDOMAIN): check its record at your DNS provider.',
    );
    expect(domainReasons.checkFailed(null)).toBe(
      'The DNS check of this name failed: check its record at your DNS provider.',
    );
    expect(domainReasons.unknownToProvider).toBe(
      'The hosting provider no longer knows this name: remove it and add it again.',
    );
    expect(domainReasons.givenUp).toBe(
      'We stopped checking this name after a day of failures: fix its record, then add it again (AddDomain).',
    );
  });
});

describe('the settings of custom domains', () => {
  const read = (env: Record<string, string>) => {
    const reader = new EnvReader(env);
    return { config: readDomains(reader), problems: reader.problems };
  };

  it('caps 3 domains an instance and checks 2 instances a run by default', () => {
    expect(read({})).toEqual({ config: { maxPerProject: 3, checksPerRun: 2 }, problems: [] });
    expect(read({ MAX_DOMAINS_PER_PROJECT: '50', DOMAIN_CHECKS_PER_RUN: '0' }).config).toEqual({
      maxPerProject: 50,
      checksPerRun: 0,
    });
    expect(read({ MAX_DOMAINS_PER_PROJECT: '1', DOMAIN_CHECKS_PER_RUN: '50' }).config).toEqual({
      maxPerProject: 1,
      checksPerRun: 50,
    });
  });

  it('refuses values out of bounds', () => {
    expect(read({ MAX_DOMAINS_PER_PROJECT: '0', DOMAIN_CHECKS_PER_RUN: '-1' }).problems).toEqual([
      'MAX_DOMAINS_PER_PROJECT must be an integer from 1 to 50',
      'DOMAIN_CHECKS_PER_RUN must be an integer from 0 to 50',
    ]);
    expect(read({ MAX_DOMAINS_PER_PROJECT: '51', DOMAIN_CHECKS_PER_RUN: '51' }).problems).toHaveLength(2);
  });
});
