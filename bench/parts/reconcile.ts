import { createLogger } from '../../lib/basics/log';
import { DEFAULT_SIZES } from '../../lib/instances/blueprint/blueprint';
import { APPWRITE_VERSION } from '../../lib/instances/blueprint/versions';
import { createInstances } from '../../lib/instances/instances';
import { createReconciler, type ReconcileSummary } from '../../lib/instances/reconciler';
import { createHasuraClient } from '../../lib/platform/hasura/client';
import { createQoveryClient } from '../../lib/platform/qovery/client';
import { LOCAL_REGISTRY_ID, startQoveryStandIn } from '../../sandbox/qovery';
import { BENCH_ADMIN_SECRET, startBenchHasura } from '../lib/hasura';
import { type Summary, summarize } from '../lib/stats';

/**
 * Part 7 — the reconciler over 1,000 instances, against the stand-ins over HTTP (loopback): the
 * Hasura calls and Qovery calls of one run and its duration, for three runs that matter:
 * - "steady": nothing changed since the last run (the common case every minute);
 * - "all changed": every instance moved on Qovery (1,000 rows written);
 * - "deletions": 100 deletions confirmed, 100 environments removed outside, 100 orphans.
 */

export interface ReconcileBenchRow {
  run: string;
  instances: number;
  hasuraCalls: number;
  qoveryCalls: number;
  changed: number;
  durationMs: Summary;
}

export interface ReconcileBench {
  rows: ReconcileBenchRow[];
  notes: string[];
}

const TOKEN = 'bench-qovery-token';
const PROJECT = '00000000-0000-4000-8000-0000000be7c4';
const PREFIX = 'bench';

export async function measureReconcile(
  options: { instances?: number; repeats?: number; progress?: (m: string) => void } = {},
): Promise<ReconcileBench> {
  const n = options.instances ?? 1000;
  const repeats = options.repeats ?? 5;
  const qovery = await startQoveryStandIn({
    token: TOKEN,
    stepMs: 3_600_000, // states move only when the bench says so
    projectIds: [PROJECT],
    onViolation: () => {},
  });
  const hasura = await startBenchHasura();
  try {
    const log = createLogger({ level: 'silent' });
    const client = createQoveryClient({ baseUrl: qovery.url, token: TOKEN });
    const reconciler = createReconciler({
      hasura: createHasuraClient({
        endpoint: hasura.graphqlUrl,
        adminSecret: BENCH_ADMIN_SECRET,
        timeoutMs: 20_000,
      }),
      instances: createInstances({
        client,
        settings: {
          apiUrl: qovery.url,
          token: TOKEN,
          projectId: PROJECT,
          environmentPrefix: PREFIX,
          registryId: LOCAL_REGISTRY_ID,
          instance: {
            version: APPWRITE_VERSION,
            sizes: DEFAULT_SIZES,
            emailFrom: { name: 'Appwrite', address: 'noreply@bench.example' },
            operatorEmail: 'ops@bench.example',
            consoleClaimKey: 'bench-console-claim-key-0123456789abcdef',
          },
        },
        log,
      }),
      // Buckets are another service's cost: a no-op here, so the figures are ours.
      storage: { remove: async () => {} },
      log,
      orphanGraceMs: 0,
    });
    const run = () => reconciler.run({ deadline: Date.now() + 45_000 });

    await hasura.db.exec(`INSERT INTO "user" (email, password_hash) VALUES ('bench@example.com', 'x')`);
    /** n instances, each a row STOPPED and an environment READY, and nothing else. */
    const fixture = async () => {
      options.progress?.(`creating ${n} instances`);
      qovery.state.environments.clear();
      await hasura.db.exec('DELETE FROM project');
      const ids: string[] = [];
      for (let i = 0; i < n; i++)
        ids.push((await client.createEnvironment(PROJECT, { name: `${PREFIX}-appwrite-${i + 1}` })).id);
      await hasura.db.query(
        `INSERT INTO project (id, owner_id, name, slot, status, qovery_environment_id)
         SELECT i, 1, 'p' || i, i, 'STOPPED', ($1::text[])[i] FROM generate_series(1, $2::int) AS i`,
        [ids, n],
      );
      return ids;
    };
    const setState = (state: 'READY' | 'DEPLOYED') => {
      for (const env of qovery.state.environments.values()) env.state = state;
    };
    const rows: ReconcileBenchRow[] = [];
    const measure = async (name: string, times: number, before: () => Promise<void> | void) => {
      const durations: number[] = [];
      let last: ReconcileSummary | undefined;
      for (let i = 0; i < times; i++) {
        await before();
        const started = performance.now();
        last = await run();
        durations.push(performance.now() - started);
        if (last.failures.length > 0) throw new Error(`reconcile failed: ${last.failures.join(', ')}`);
      }
      if (!last) throw new Error('no run');
      rows.push({
        run: name,
        instances: n,
        hasuraCalls: last.hasuraCalls,
        qoveryCalls: last.qoveryCalls,
        changed: last.changed + last.deletionsFinished + last.orphansRemoved,
        durationMs: summarize(durations),
      });
      options.progress?.(`${name}: ${JSON.stringify(rows.at(-1))}`);
    };

    await fixture();
    await run(); // the first run settles the rows
    await measure('steady (nothing changed)', repeats, () => {});
    let up = false;
    await measure(`all changed (${n} rows written)`, repeats, () => {
      up = !up;
      setState(up ? 'DEPLOYED' : 'READY');
    });
    await measure('100 deletions confirmed, 50 removed outside, 100 orphans', 3, async () => {
      const ids = await fixture();
      // 100 deletions Qovery finished: rows DELETING, environments gone.
      await hasura.db.exec(`UPDATE project SET status = 'DELETING' WHERE id <= 100`);
      for (const id of ids.slice(0, 100)) qovery.state.environments.delete(id);
      // 50 environments removed outside (each absence is confirmed: at most 50 per run).
      for (const id of ids.slice(100, 150)) qovery.state.environments.delete(id);
      for (let i = 0; i < 100; i++)
        await client.createEnvironment(PROJECT, { name: `${PREFIX}-appwrite-${100_000 + i}` });
    });
    return {
      rows,
      notes: [
        'Hasura calls: 1 read per 2,000 rows + 1 batched write (every changed row, one transaction) + 1 removal of confirmed deletions + 1 purge.',
        'Qovery calls: 1 status listing for the Qovery project + 1 status per row not being deleted that is absent from the listing (confirmation, at most 50 per run) + 1 name listing when environments no row knows exist + 1 DELETE per orphan or deletion asked again.',
      ],
    };
  } finally {
    await Promise.allSettled([hasura.close(), qovery.close()]);
  }
}

export function reconcileSection(bench: ReconcileBench): string {
  const head =
    '| run | instances | Hasura calls | Qovery calls | rows changed | duration ms, median (p25–p75) |';
  const lines = bench.rows.map(
    (r) =>
      `| ${r.run} | ${r.instances} | ${r.hasuraCalls} | ${r.qoveryCalls} | ${r.changed} | ${r.durationMs.median.toFixed(0)} (${r.durationMs.p25.toFixed(0)}–${r.durationMs.p75.toFixed(0)}) |`,
  );
  return `## 7. Reconciler over 1,000 instances (stand-ins, loopback HTTP)\n\n${head}\n| --- | --- | --- | --- | --- | --- |\n${lines.join('\n')}\n\n${bench.notes.map((n) => `- ${n}`).join('\n')}`;
}
