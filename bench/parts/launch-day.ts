import { createLogger } from '../../lib/basics/log';
import { DEFAULT_SIZES, type QoverySettings } from '../../lib/instances/blueprint/blueprint';
import { APPWRITE_VERSION } from '../../lib/instances/blueprint/versions';
import { createQoveryBudget, hasuraBudgetStore } from '../../lib/instances/budget';
import { createOwnerConsole, secureConsolesStep } from '../../lib/instances/console-seat';
import { createInstances, provisionCalls } from '../../lib/instances/instances';
import { createProjects, type ProjectsDeps } from '../../lib/instances/projects';
import { blueprintDigest, recordedTemplate } from '../../lib/instances/provision-strategy';
import { work } from '../../lib/instances/queue';
import { createReconciler } from '../../lib/instances/reconciler';
import { ownerShareOf } from '../../lib/instances/settings';
import { createHasuraClient } from '../../lib/platform/hasura/client';
import { createQoveryClient } from '../../lib/platform/qovery/client';
import { LOCAL_REGISTRY_ID, startQoveryStandIn } from '../../sandbox/qovery';
import { BENCH_ADMIN_SECRET, startBenchHasura } from '../lib/hasura';

/**
 * Part 9 — a simulated launch day against the stand-ins: the Hasura stand-in (PGlite: the queue's
 * and the budget's triggers as in production) and the Qovery stand-in with Qovery's rate limit
 * (1,000 requests an hour per token, 429 + Retry-After past it). The real code runs: CreateProject
 * and StartProject (lib/instances/projects, which submit to the queue), the budget
 * (lib/instances/budget.ts on its Hasura store), and the reconciler every simulated minute with
 * the queue's worker as its first phase and the console seat step.
 *
 * Time is simulated, not scaled: `Date.now` is a clock this part moves (every component reads
 * time through it: the budget's minutes, the queue's leases, orders and waits, the stand-in's rate
 * limit window), frozen while code runs. Every simulated minute: the sign-ups due in it (each a
 * CreateProject, then a StartProject), the abusive user's flood, then one reconciler run. So the
 * figures measure the budget and the queue, not this machine's speed: the Qovery calls of a task
 * take no simulated time (on Qovery they take seconds, against minutes of waiting in the queue).
 * Qovery's own deployment minutes are not simulated either: the stand-in deploys in a few real
 * milliseconds, so an instance is RUNNING at the first reconciler run after its deployment began.
 */

export interface LaunchDayOptions {
  /** Sign-ups spread evenly over the first hour. */
  users: number;
  /** QOVERY_REQUESTS_PER_HOUR. */
  perHour: number;
  strategy: 'blueprint' | 'clone';
  /** One user flooding every action (creates past the quota, starts and stops each minute). */
  abusive: boolean;
  /** Stop the simulation after this many simulated hours. */
  maxHours: number;
  progress?: (message: string) => void;
}

export interface LaunchDayRun {
  options: Omit<LaunchDayOptions, 'progress'>;
  /** Qovery requests in each simulated hour (the stand-in's count). */
  perHour: number[];
  /** The most requests in any 60-minute span (minute buckets). */
  maxHourSpan: number;
  /** 429s Qovery (the stand-in) answered. */
  refused429: number;
  /** Instances of the sign-ups RUNNING at the end of each simulated hour. */
  runningByHour: number[];
  /** Minutes from CreateProject to RUNNING (the sign-ups'). */
  waits: number[];
  /** Sign-ups still not running at the end. */
  notRunning: number;
  /** Qovery calls the sign-ups' instances cost each, on average (all calls but the reconciler's listings and the abuser's). */
  callsPerInstance: number;
  /** Qovery calls of the reconciler's own runs (the listing every minute, orphans). */
  reconcilerCalls: number;
  /** The hour of highest throughput: instances that turned RUNNING in it. */
  peakPerHour: number;
  simulatedMinutes: number;
  realSeconds: number;
  /** Every Qovery call of the run by route (ids elided). */
  byRoute: Record<string, number>;
}

const TOKEN = 'bench-launch-token';
const PROJECT = '00000000-0000-4000-8000-0000000be7d1';
const MINUTE = 60_000;
/** The stand-in's transitions: a few real ms (its time is not ours: see above). */
const STEP_MS = 2;

/** A clock the bench moves: `Date.now` reads it while the part runs. */
function simulatedClock(start: number) {
  const real = Date.now;
  let now = start;
  return {
    install: () => {
      Date.now = () => now;
    },
    restore: () => {
      Date.now = real;
    },
    now: () => now,
    set: (at: number) => {
      now = Math.max(now, at);
    },
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** Answers the instance's console API as a fresh AppWrite does: healthy, the owner's account made. */
const appwrite: typeof fetch = async (input) => {
  const url = String(input instanceof Request ? input.url : input);
  const status = url.endsWith('/v1/account') ? 201 : 200;
  return new Response('{}', { status, headers: { 'content-type': 'application/json' } });
};

export async function simulateLaunchDay(options: LaunchDayOptions): Promise<LaunchDayRun> {
  const startedReal = performance.now();
  const clock = simulatedClock(Math.ceil(Date.now() / 3_600_000) * 3_600_000);
  const qovery = await startQoveryStandIn({
    token: TOKEN,
    stepMs: STEP_MS,
    projectIds: [PROJECT],
    // Qovery's 1,000 an hour, the window in the stand-in's units (its clock is `Date.now`, which is
    // ours, and it scales spans by stepMs / 1500: context.ts).
    rateLimit: { requests: 1000, windowSeconds: (3600 * 1500) / STEP_MS },
    onViolation: () => {},
  });
  const hasuraStandIn = await startBenchHasura();
  clock.install();
  try {
    return await simulate(options, { clock, qovery, hasuraStandIn, startedReal });
  } finally {
    clock.restore();
    await Promise.allSettled([hasuraStandIn.close(), qovery.close()]);
  }
}

type Clock = ReturnType<typeof simulatedClock>;
interface Env {
  clock: Clock;
  qovery: Awaited<ReturnType<typeof startQoveryStandIn>>;
  hasuraStandIn: Awaited<ReturnType<typeof startBenchHasura>>;
  startedReal: number;
}

async function setUp(options: LaunchDayOptions, { clock, qovery, hasuraStandIn }: Env) {
  const log = createLogger({ level: 'silent' });
  const hasura = createHasuraClient({
    endpoint: hasuraStandIn.graphqlUrl,
    adminSecret: BENCH_ADMIN_SECRET,
    timeoutMs: 60_000,
  });
  const budget = createQoveryBudget({
    store: hasuraBudgetStore(hasura, options.perHour),
    perHour: options.perHour,
    log,
    // A wait inside a task is simulated time passing.
    sleep: async (ms) => clock.advance(ms),
  });
  const client = createQoveryClient({
    baseUrl: qovery.url,
    token: TOKEN,
    budget,
    sleep: async (ms) => clock.advance(ms),
  });
  let settings: QoverySettings = {
    apiUrl: qovery.url,
    token: TOKEN,
    projectId: PROJECT,
    environmentPrefix: 'bench',
    registryId: LOCAL_REGISTRY_ID,
    instance: {
      version: APPWRITE_VERSION,
      sizes: DEFAULT_SIZES,
      emailFrom: { name: 'Appwrite', address: 'noreply@bench.example' },
      operatorEmail: 'ops@bench.example',
      consoleClaimKey: 'bench-console-claim-key-0123456789abcdef',
    },
  };
  const instancesOf = (s: QoverySettings) =>
    createInstances({ client, settings: s, log, cloneRecheckMs: 5, template: recordedTemplate(hasura) });
  if (options.strategy === 'clone') {
    // The template `npm run template` records (outside the budget: an operator's command, run before).
    const plain = createInstances({
      client: createQoveryClient({ baseUrl: qovery.url, token: TOKEN }),
      settings,
      log,
    });
    const grant = { bucket: 'b', region: 'us-east-1', accessKeyId: 'k', secretAccessKey: 's' };
    const template = await plain.provision('template', {
      ownerEmail: 'o@x.io',
      storage: Promise.resolve(grant),
    });
    await hasuraStandIn.db.query(
      'INSERT INTO instance_template (qovery_environment_id, appwrite_version, blueprint_digest) VALUES ($1, $2, $3)',
      [template.environmentId, APPWRITE_VERSION, blueprintDigest(settings)],
    );
    settings = { ...settings };
  }
  const instances = instancesOf(settings);
  const storage = {
    stem: 'appwrite-cloud-bench',
    bucketName: ({ id }: { id: number }) => `appwrite-cloud-bench-${id}`,
    create: async ({ id }: { id: number }) => ({
      bucket: `appwrite-cloud-bench-${id}`,
      region: 'us-east-1',
      accessKeyId: 'k',
      secretAccessKey: 's',
    }),
    remove: async () => {},
  };
  const deps: ProjectsDeps = {
    hasura,
    instances,
    storage,
    maxProjectsPerUser: 3,
    requireEmailVerification: true,
    appwriteVersion: APPWRITE_VERSION,
    budget,
    requestsPerHour: options.perHour,
    // Each user's share of it, as deployed by default (QOVERY_REQUESTS_PER_OWNER_PER_HOUR).
    requestsPerOwnerPerHour: ownerShareOf(options.perHour),
    createCost: provisionCalls(settings).calls,
  };
  const ownerConsole = createOwnerConsole({
    hasura,
    instances,
    claimKey: settings.instance.consoleClaimKey,
    fetch: appwrite,
  });
  const reconciler = createReconciler({
    hasura,
    instances,
    storage,
    log,
    worker: ({ deadline }) => work(deps, { deadline, log }),
    steps: [secureConsolesStep(ownerConsole, { hasura, log })],
  });
  return { deps, projects: createProjects(deps), reconciler, log };
}

async function simulate(options: LaunchDayOptions, env: Env): Promise<LaunchDayRun> {
  const { clock, qovery, hasuraStandIn } = env;
  const { projects, reconciler, log } = await setUp(options, env);
  const db = hasuraStandIn.db;
  const users = options.users + (options.abusive ? 1 : 0);
  await db.query(
    `INSERT INTO "user" (id, email, password_hash, email_verified)
     SELECT i, 'u' || i || '@bench.example', 'x', true FROM generate_series(1, $1::int) AS i`,
    [users],
  );
  qovery.calls.length = 0;
  const start = clock.now();
  const abuser = options.users + 1;
  const createdAt = new Map<number, number>(); // project id → simulated ms of its CreateProject
  const runningAt = new Map<number, number>();
  const callsByMinute: number[] = [];
  const runningByHour: number[] = [];
  let reconcilerCalls = 0;
  let abuserCalls = 0;
  let nextUser = 1;
  const caller = (userId: number) => ({ userId, deadline: Date.now() + 25_000, log });
  const quiet = (error: unknown) => {
    // A refusal (quota, busy) is an answer; anything else is the bench's to see.
    const code = (error as { code?: string }).code;
    if (!code || !['quota-exceeded', 'project-busy', 'not-found', 'rate-limited'].includes(code)) throw error;
  };

  for (let minute = 0; minute < options.maxHours * 60; minute++) {
    const minuteStart = start + minute * MINUTE;
    clock.set(minuteStart);
    const callsBefore = qovery.calls.length;
    // The sign-ups due in this minute, evenly spread over the first hour.
    while (
      nextUser <= options.users &&
      ((nextUser - 1) * 3_600_000) / options.users < (minute + 1) * MINUTE
    ) {
      clock.set(start + ((nextUser - 1) * 3_600_000) / options.users);
      const { id } = await projects.create(`p${nextUser}`, caller(nextUser));
      createdAt.set(id, Date.now());
      await projects.start(id, caller(nextUser)).catch(quiet);
      nextUser++;
    }
    if (options.abusive) {
      const before = qovery.calls.length;
      await abuse(projects, db, abuser, caller(abuser), quiet);
      abuserCalls += qovery.calls.length - before;
    }
    clock.set(minuteStart + 30_000);
    const run = await reconciler.run({ deadline: Date.now() + 50_000 });
    reconcilerCalls += run.qoveryCalls;
    callsByMinute.push(qovery.calls.length - callsBefore);
    const { rows } = await db.query<{ id: number; open: boolean }>(
      `SELECT id, console_account_at IS NOT NULL AS open FROM project WHERE status = 'RUNNING' AND owner_id <> $1`,
      [abuser],
    );
    for (const { id } of rows) if (!runningAt.has(id)) runningAt.set(id, clock.now());
    const consolesOpen = rows.filter((row) => row.open).length;
    if ((minute + 1) % 60 === 0) {
      runningByHour.push(runningAt.size);
      options.progress?.(
        `${options.strategy}${options.abusive ? ' + abuser' : ''}: hour ${(minute + 1) / 60}, ${runningAt.size} running, ${callsByMinute.slice(-60).reduce((a, b) => a + b, 0)} Qovery calls`,
      );
    }
    // Over once every sign-up's instance runs and its console is open (the seat's 2 calls paid).
    if (nextUser > options.users && consolesOpen === options.users) {
      if ((minute + 1) % 60 !== 0) runningByHour.push(runningAt.size);
      break;
    }
  }
  const perHour: number[] = [];
  for (let i = 0; i < callsByMinute.length; i += 60)
    perHour.push(callsByMinute.slice(i, i + 60).reduce((a, b) => a + b, 0));
  let maxHourSpan = 0;
  for (let i = 0; i < callsByMinute.length; i++)
    maxHourSpan = Math.max(
      maxHourSpan,
      callsByMinute.slice(i, i + 60).reduce((a, b) => a + b, 0),
    );
  const waits = [...runningAt].map(([id, at]) => (at - (createdAt.get(id) ?? at)) / MINUTE);
  const hourly = runningByHour.map((n, i) => n - (runningByHour[i - 1] ?? 0));
  const total = callsByMinute.reduce((a, b) => a + b, 0);
  return {
    options: { ...options, progress: undefined } as LaunchDayRun['options'],
    perHour,
    maxHourSpan,
    refused429: qovery.rateLimit.refused,
    runningByHour,
    waits,
    notRunning: options.users - runningAt.size,
    callsPerInstance: (total - reconcilerCalls - abuserCalls) / Math.max(1, runningAt.size),
    reconcilerCalls,
    peakPerHour: Math.max(0, ...hourly),
    simulatedMinutes: callsByMinute.length,
    byRoute: Object.fromEntries(
      Object.entries(
        qovery.calls.reduce<Record<string, number>>((counts, c) => {
          const route = `${c.method} ${c.path.replace(/[0-9a-f-]{36}/g, '{id}')}`;
          counts[route] = (counts[route] ?? 0) + 1;
          return counts;
        }, {}),
      ).sort((a, b) => b[1] - a[1]),
    ),
    realSeconds: (performance.now() - env.startedReal) / 1000,
  };
}

/** The abusive user, every minute: creates past the quota, and starts and stops every project they have. */
async function abuse(
  projects: ReturnType<typeof createProjects>,
  db: Env['hasuraStandIn']['db'],
  abuser: number,
  caller: { userId: number; deadline: number; log: ReturnType<typeof createLogger> },
  quiet: (error: unknown) => void,
): Promise<void> {
  for (let i = 0; i < 2; i++) await projects.create(`abuse${i}`, caller).catch(quiet);
  const { rows } = await db.query<{ id: number }>('SELECT id FROM project WHERE owner_id = $1', [abuser]);
  for (const { id } of rows) {
    await projects.start(id, caller).catch(quiet);
    await projects.stop(id, caller).catch(quiet);
    await projects.start(id, caller).catch(quiet);
  }
}

export interface LaunchDayBench {
  runs: LaunchDayRun[];
  perHour: number;
}

/** The scenarios of part 9: each path with and without the abusive user. */
export async function measureLaunchDay(
  options: {
    perHour?: number;
    cloneUsers?: number;
    blueprintUsers?: number;
    progress?: (m: string) => void;
  } = {},
): Promise<LaunchDayBench> {
  const perHour = options.perHour ?? 900;
  const runs: LaunchDayRun[] = [];
  for (const [strategy, users] of [
    ['clone', options.cloneUsers ?? 200],
    ['blueprint', options.blueprintUsers ?? 60],
  ] as const)
    for (const abusive of [false, true])
      runs.push(
        await simulateLaunchDay({
          users,
          perHour,
          strategy,
          abusive,
          maxHours: 48,
          progress: options.progress,
        }),
      );
  return { runs, perHour };
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return (
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN
  );
};
const minutes = (m: number) => (m < 90 ? `${m.toFixed(1)} min` : `${(m / 60).toFixed(1)} h`);

export function launchDaySection(bench: LaunchDayBench): string {
  const { perHour } = bench;
  const rows = bench.runs.map((r) => {
    const ceiling = (perHour - 60) / r.callsPerInstance;
    return `| ${r.options.strategy} | ${r.options.users}${r.options.abusive ? ' + 1 abusive' : ''} | ${Math.max(...r.perHour)} / ${r.maxHourSpan} | ${r.refused429} | ${r.callsPerInstance.toFixed(2)} | ${r.peakPerHour} | ${ceiling.toFixed(0)} (${((100 * r.peakPerHour) / ceiling).toFixed(0)}%) | ${minutes(percentile(r.waits, 50))} / ${minutes(percentile(r.waits, 95))} | ${r.notRunning === 0 ? minutes(r.simulatedMinutes) : `${r.notRunning} not running`} | ${r.realSeconds.toFixed(0)} s |`;
  });
  const over = bench.runs.map(
    (r) =>
      `- ${r.options.strategy}${r.options.abusive ? ' + abusive' : ''}: ${r.runningByHour.map((n, i) => `h${i + 1} ${n}`).join(', ')}`,
  );
  const abuse = ['clone', 'blueprint'].map((strategy) => {
    const [calm, abused] = [false, true].map((a) =>
      bench.runs.find((r) => r.options.strategy === strategy && r.options.abusive === a),
    );
    if (!calm || !abused) return '';
    // The abuser's costliest operation: a create followed by a start.
    const oneOp = ((calm.callsPerInstance - 2) * 60) / perHour;
    const d50 = percentile(abused.waits, 50) - percentile(calm.waits, 50);
    const d95 = percentile(abused.waits, 95) - percentile(calm.waits, 95);
    return `| ${strategy} | ${d50 >= 0 ? '+' : ''}${d50.toFixed(1)} min | ${d95 >= 0 ? '+' : ''}${d95.toFixed(1)} min | ${oneOp.toFixed(1)} min | ${Math.max(d50, d95) <= oneOp ? '✅ met' : '❌ missed'} |`;
  });
  return `## 9. Launch day: the Qovery budget and the queue (stand-ins, simulated time)

Sign-ups spread evenly over the first simulated hour, each a CreateProject then a StartProject, against the
Hasura stand-in (PGlite: the queue's and the budget's triggers) and the Qovery stand-in limiting each
token to Qovery's 1,000 requests an hour (429 + Retry-After past it); the budget \`QOVERY_REQUESTS_PER_HOUR\` = ${perHour};
every simulated minute one reconciler run (the queue's worker first, the statuses, the console seat
with a stand-in AppWrite that makes the owner's account). The code that runs is production's:
lib/instances/projects, lib/instances/queue, lib/instances/budget.ts, lib/instances/reconciler (bench/parts/launch-day.ts).

Time is simulated, not scaled: \`Date.now\` reads a clock the bench moves, minute by minute, frozen while
the code runs, so the figures measure the budget and the queue, not this machine. Not simulated: the
Qovery calls' own seconds and Qovery's deployment minutes (the stand-in deploys at once: an instance is
RUNNING at the first reconciler run after its deployment began; add Qovery's deployment time to every
wait). The abusive user, every minute: creates past the quota (3), and starts, stops and starts each of
their projects.

*Calls per instance*: every Qovery call of the run but the reconciler's own (its one listing a run) and
the abuser's, over the instances running. *Ceiling*: (budget − the reconciler's 60 listings an hour) ÷
calls per instance; *peak*: instances that turned RUNNING in the busiest hour.

| path | sign-ups | Qovery calls: busiest hour / any 60 min | 429s | calls per instance | peak instances / hour | ceiling (peak %) | wait CreateProject → RUNNING p50 / p95 | all running after | real time |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}

Instances RUNNING at the end of each hour:

${over.join('\n')}

The extra delay the abusive user causes the others (target: at most one operation's worth of budget, the
abuser's costliest: a create and its start):

| path | p50 | p95 | one operation | |
| --- | --- | --- | --- | --- |
${abuse.join('\n')}
`;
}

if (require.main === module) {
  const users = Number(process.env.LAUNCH_DAY_USERS) || undefined;
  measureLaunchDay({
    cloneUsers: users,
    blueprintUsers: users,
    progress: (m) => process.stderr.write(`[launch-day] ${m}\n`),
  })
    .then((bench) => process.stdout.write(launchDaySection(bench)))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
