import { AppError } from '../../../lib/basics/errors';
import { createLogger } from '../../../lib/basics/log';
import { CONSOLE_GATE } from '../../../lib/instances/blueprint/proxy';
import { createOwnerConsole, secureConsolesStep } from '../../../lib/instances/console-seat';
import { type Caller, createProjects } from '../../../lib/instances/projects';
import { createReconciler } from '../../../lib/instances/reconciler';
import { ownerPassword } from '../../../lib/platform/appwrite/console-api';
import type { QoveryStandIn } from '../../../sandbox/qovery';
import { startFakeAppwrite } from '../../helpers/fake-appwrite';
import type { TestHasura } from '../../helpers/hasura';
import { instanceSettings, memoryStorage } from '../../helpers/instance';
import { closeStandIns, resetStandIns, standInInstances, startStandIns } from '../../helpers/stand-ins';
import { eventually } from '../../helpers/wait';

const KEY = 'console-claim-key-for-tests-0123456789';
const log = createLogger({ level: 'silent' });
const smtp = { host: 'smtp.example', port: 587, secure: '' as const, password: 'smtp-password-value' };

let hasura: TestHasura;
let qovery: QoveryStandIn;
let appwrite: Awaited<ReturnType<typeof startFakeAppwrite>>;

beforeAll(async () => {
  [{ hasura, qovery }, appwrite] = await Promise.all([
    startStandIns({ stepMs: 10 }),
    // Behind the instance's proxy, whose console gate reads the environment's variable.
    startFakeAppwrite({
      whitelist: ['ada@example.com'],
      gate: () => [...qovery.state.environments.values()][0]?.variables.get(CONSOLE_GATE.variable)?.value,
    }),
  ]);
});
afterAll(() => Promise.all([closeStandIns({ hasura, qovery }), appwrite.close()]));
beforeEach(async () => {
  appwrite.state.users.length = 0;
  await resetStandIns({ hasura, qovery }, ['ada@example.com', 'bob@example.com']);
});

/** Instances whose AppWrite sends e-mail through `smtp` once the owner has the console seat. */
const mailingInstances = () =>
  standInInstances(qovery, { settings: { instance: { ...instanceSettings, smtp, consoleClaimKey: KEY } } });

function projects() {
  const instances = mailingInstances();
  const ownerConsole = createOwnerConsole({ hasura: hasura.client, instances, claimKey: KEY });
  return createProjects({
    hasura: hasura.client,
    instances,
    storage: memoryStorage(),
    ownerConsole,
    maxProjectsPerUser: 3,
    requireEmailVerification: true,
  });
}
const ada = (): Caller => ({ userId: 1, deadline: Date.now() + 20_000, log });
const bob = (): Caller => ({ userId: 2, deadline: Date.now() + 20_000, log });

/**
 * A look at the instance: the scheduled reconciler (which takes the console seat of a running
 * instance), then ProjectStatus, which reads the row.
 */
async function look(p: ReturnType<typeof projects>, id: number) {
  const instances = mailingInstances();
  const ownerConsole = createOwnerConsole({ hasura: hasura.client, instances, claimKey: KEY });
  const steps = [secureConsolesStep(ownerConsole, { hasura: hasura.client, log })];
  const reconciler = createReconciler({
    hasura: hasura.client,
    instances,
    storage: memoryStorage(),
    log,
    steps,
  });
  // The first run sees the instance RUNNING, the next takes the seat of a row that says so.
  await reconciler.run({ deadline: Date.now() + 20_000 });
  await reconciler.run({ deadline: Date.now() + 20_000 });
  return p.status(id, ada());
}

/** A created, started instance whose public URL is the fake AppWrite. */
async function runningInstance() {
  const p = projects();
  const { id } = await p.create('myproject', ada());
  await p.start(id, ada());
  const environmentId = String(
    (await hasura.db.query<{ e: string }>('SELECT qovery_environment_id AS e FROM project')).rows[0]?.e,
  );
  await eventually(() => qovery.stateHistory(environmentId).at(-1) === 'DEPLOYED', { what: 'DEPLOYED' });
  await hasura.db.query('UPDATE project SET url = $1', [appwrite.url]);
  return { p, id, environmentId };
}

describe('the owner’s console seat', () => {
  it('is taken for the owner as soon as the instance runs, before e-mail is turned on', async () => {
    const { p, id, environmentId } = await runningInstance();
    const variables = qovery.state.environments.get(environmentId)?.variables;
    expect(variables?.has('_APP_SMTP_HOST')).toBe(false);

    expect(await look(p, id)).toMatchObject({ status: 'RUNNING' });
    expect(appwrite.state.users).toEqual([
      { email: 'ada@example.com', password: ownerPassword(KEY, environmentId) },
    ]);
    const [row] = (
      await hasura.db.query<{ at: string | null }>('SELECT console_account_at AS at FROM project')
    ).rows;
    expect(row?.at).not.toBeNull();
    // The seat is taken: the instance's e-mail may go on (magic URL, OTP now meet a full console).
    expect(variables?.get('_APP_SMTP_HOST')?.value).toBe('smtp.example');
    expect(variables?.get('_APP_SMTP_PASSWORD')).toMatchObject({ isSecret: true });

    // Done once: later looks do not ask the instance again.
    const before = appwrite.state.requests.length;
    await look(p, id);
    expect(appwrite.state.requests.length).toBe(before);
  });

  it('cannot be taken by a stranger with the URL and the owner’s address before the control plane takes it', async () => {
    const { p, id, environmentId } = await runningInstance();
    const signUp = () =>
      fetch(`${appwrite.url}/v1/account`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-appwrite-project': 'console' },
        body: JSON.stringify({
          userId: 'unique()',
          email: 'ada@example.com',
          password: 'a stranger’s password',
        }),
      });
    const early = await signUp();
    expect(early.status).toBe(403);
    expect(await early.json()).toMatchObject({ type: 'console_setup_pending' });
    expect(appwrite.state.users).toEqual([]);
    const gate = () => qovery.state.environments.get(environmentId)?.variables.get(CONSOLE_GATE.variable);
    expect(gate()).toMatchObject({ isSecret: true });
    expect(gate()?.value).not.toBe(CONSOLE_GATE.open);

    await look(p, id);
    expect(appwrite.state.users).toEqual([
      { email: 'ada@example.com', password: ownerPassword(KEY, environmentId) },
    ]);
    // The seat is the owner's: the gate opens (the owner's own AppWrite projects need those routes).
    expect(gate()?.value).toBe(CONSOLE_GATE.open);
    expect((await signUp()).status).toBe(501);
  });

  it('never takes a seat someone else holds for the owner’s: the gate stays shut, the claim fails', async () => {
    const { p, id, environmentId } = await runningInstance();
    // A stranger got past the gate (through any door) with the owner's address and their own password.
    appwrite.state.users.push({ email: 'ada@example.com', password: 'a stranger’s password' });
    const errors: unknown[] = [];
    const caller = { ...ada(), log: { ...log, error: (...args: unknown[]) => void errors.push(args) } };

    expect(await look(p, id)).toMatchObject({ status: 'RUNNING' });
    const seat = await hasura.db.query<{ at: string | null }>('SELECT console_account_at AS at FROM project');
    expect(seat.rows[0]?.at).toBeNull();
    const variables = qovery.state.environments.get(environmentId)?.variables;
    expect(variables?.get(CONSOLE_GATE.variable)?.value).not.toBe(CONSOLE_GATE.open);
    expect(variables?.has('_APP_SMTP_HOST')).toBe(false);

    const claim = await p
      .claimConsole(id, 'ada’s own console password', caller as Caller)
      .catch((e: unknown) => e);
    expect((claim as AppError).code).toBe('internal-error');
    expect(appwrite.state.users).toEqual([{ email: 'ada@example.com', password: 'a stranger’s password' }]);
    expect(variables?.get(CONSOLE_GATE.variable)?.value).not.toBe(CONSOLE_GATE.open);
    expect(JSON.stringify(errors)).toMatch(/held by an account the control plane did not make/);
    expect(JSON.stringify(errors)).not.toContain(ownerPassword(KEY, environmentId));
  });

  it('takes a seat it made but did not record (a run that died between the two) once it proves it', async () => {
    const { p, id, environmentId } = await runningInstance();
    appwrite.state.users.push({ email: 'ada@example.com', password: ownerPassword(KEY, environmentId) });
    await look(p, id);
    const seat = await hasura.db.query<{ at: string | null }>('SELECT console_account_at AS at FROM project');
    expect(seat.rows[0]?.at).not.toBeNull();
    const variables = qovery.state.environments.get(environmentId)?.variables;
    expect(variables?.get(CONSOLE_GATE.variable)?.value).toBe(CONSOLE_GATE.open);
  });

  it('lets the owner set their own console password, and nobody else', async () => {
    const { p, id } = await runningInstance();
    await look(p, id);
    const other = await p.claimConsole(id, 'bob wants it too', bob()).catch((e: unknown) => e);
    expect(other).toBeInstanceOf(AppError);
    expect((other as AppError).code).toBe('not-found');

    await expect(p.claimConsole(id, 'ada’s own console password', ada())).resolves.toEqual({ ok: true });
    expect(appwrite.state.users[0]?.password).toBe('ada’s own console password');
    // A second claim cannot replace it: the derived password opens nothing any more.
    const again = await p.claimConsole(id, 'another password', ada()).catch((e: unknown) => e);
    expect((again as AppError).code).toBe('project-busy');
    expect(appwrite.state.users[0]?.password).toBe('ada’s own console password');
  });

  it('lets the owner claim right after the start, before anything asked for the status', async () => {
    const { p, id } = await runningInstance();
    await p.claimConsole(id, 'ada chose this one', ada());
    expect(appwrite.state.users).toEqual([{ email: 'ada@example.com', password: 'ada chose this one' }]);
  });

  it('waits for an instance that does not answer yet, and says so', async () => {
    const { p, id } = await runningInstance();
    appwrite.state.ready = false;
    try {
      expect(await look(p, id)).toMatchObject({ status: 'RUNNING' });
      expect(appwrite.state.users).toEqual([]);
      const error = await p.claimConsole(id, 'too early, sorry', ada()).catch((e: unknown) => e);
      expect((error as AppError).code).toBe('project-busy');
    } finally {
      appwrite.state.ready = true;
    }
  });
});

describe('the reconciler takes the console seat', () => {
  function reconciler(logged: { message: string; fields: unknown }[] = []) {
    const instances = mailingInstances();
    const ownerConsole = createOwnerConsole({ hasura: hasura.client, instances, claimKey: KEY });
    const recording = {
      ...log,
      warn: (message: string, fields?: unknown) => void logged.push({ message, fields }),
    } as typeof log;
    return createReconciler({
      hasura: hasura.client,
      instances,
      storage: memoryStorage(),
      log,
      steps: [secureConsolesStep(ownerConsole, { hasura: hasura.client, log: recording })],
    });
  }
  const run = (r: ReturnType<typeof reconciler>) => r.run({ deadline: Date.now() + 20_000 });
  const seatTakenAt = async () =>
    (await hasura.db.query<{ at: string | null }>('SELECT console_account_at AS at FROM project')).rows[0]
      ?.at;

  it('of a running instance nobody asked about, once, and turns its e-mail on', async () => {
    const { environmentId } = await runningInstance();
    const r = reconciler();
    await run(r); // STARTING becomes RUNNING
    await run(r);
    expect(appwrite.state.users).toEqual([
      { email: 'ada@example.com', password: ownerPassword(KEY, environmentId) },
    ]);
    expect(await seatTakenAt()).not.toBeNull();
    const variables = qovery.state.environments.get(environmentId)?.variables;
    expect(variables?.get('_APP_SMTP_HOST')?.value).toBe('smtp.example');

    // Done: the next runs do not ask the instance again.
    const before = appwrite.state.requests.length;
    await run(r);
    expect(appwrite.state.requests.length).toBe(before);
  });

  it('retries on the next run an instance that does not answer yet, logging no secret', async () => {
    const { environmentId } = await runningInstance();
    await hasura.db.query("UPDATE project SET status = 'RUNNING'");
    const logged: { message: string; fields: unknown }[] = [];
    const r = reconciler(logged);
    appwrite.state.ready = false;
    try {
      const summary = await run(r);
      expect(summary.failures).toEqual([]);
      expect(appwrite.state.users).toEqual([]);
      expect(await seatTakenAt()).toBeNull();
    } finally {
      appwrite.state.ready = true;
    }
    await run(r);
    expect(appwrite.state.users).toHaveLength(1);
    expect(await seatTakenAt()).not.toBeNull();
    expect(JSON.stringify(logged)).not.toContain(ownerPassword(KEY, environmentId));
  });

  it('is bounded per run, logs a failure by project id and error name only, and carries on', async () => {
    const row = (id: number) => ({
      id,
      owner_id: 1,
      status: 'RUNNING' as const,
      status_reason: null,
      qovery_environment_id: `env-${id}`,
      created_at: new Date().toISOString(),
      status_changed_at: new Date().toISOString(),
      url: null,
      qovery_appwrite_id: null,
      console_account_at: null as string | null,
      upgrade_error: null,
      bucket_stem: null,
    });
    const asked: number[][] = [];
    const fakeHasura = {
      request: async (_doc: unknown, variables: unknown) => {
        const { ids } = variables as { ids: number[] };
        asked.push(ids);
        return {
          project: ids.map((id) => ({ ...row(id), name: 'p', url: 'http://x', qovery_appwrite_id: null })),
        };
      },
    } as unknown as typeof hasura.client;
    const secured: number[] = [];
    const ownerConsole = {
      secure: async (r: { id: number }) => {
        if (r.id === 1) throw new TypeError('fetch failed: password=derived-secret');
        secured.push(r.id);
        return true;
      },
    };
    const logged: { message: string; fields: unknown }[] = [];
    const recording = {
      ...log,
      warn: (message: string, fields?: unknown) => void logged.push({ message, fields }),
    };
    const step = secureConsolesStep(ownerConsole, {
      hasura: fakeHasura,
      log: recording as typeof log,
      maxPerRun: 3,
    });
    const rows = [1, 2, 3, 4, 5].map(row);
    rows.push({ ...row(6), console_account_at: new Date().toISOString() });
    const states = new Map(rows.map((r) => [r.qovery_environment_id, 'DEPLOYED' as const]));
    states.set('env-2', 'STOPPED' as never);

    const { changed } = await step.run({ rows, states, deadline: Date.now() + 20_000 });
    expect(asked).toEqual([[1, 3, 4]]); // 2 is not running at Qovery, 6 is done; at most 3
    expect(secured).toEqual([3, 4]);
    expect(changed).toBe(2);
    expect(logged).toEqual([
      { message: 'reconcile.console-seat-failed', fields: { projectId: 1, error: 'TypeError' } },
    ]);
  });
});
