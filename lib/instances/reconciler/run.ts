import type { ReconcileRow } from '../../platform/hasura/documents';
import type { Observed } from '../lifecycle';
import { removeOrphans } from './orphans';
import { attempt, startPass } from './pass';
import { purgeExpired } from './purge';
import { readRows } from './read-rows';
import { reconcileStatuses } from './statuses';
import type { ReconcileOptions, ReconcilerDeps, ReconcileSummary } from './types';
import { fillUrls } from './urls';

/** The other phases keep at most this much of a run (a third of it when shorter) from the queue's worker. */
const WORKER_LEAVES_MS = 15_000;

/** One run, its phases in order (lib/instances/reconciler/index.ts says what each does and why). */
export async function runReconcile(
  deps: ReconcilerDeps,
  options: ReconcileOptions,
): Promise<ReconcileSummary> {
  const { deadline } = options;
  const pass = startPass(deps, deadline);
  const { summary, now, steps = [] } = pass;
  const started = now();

  if (!options.statusesOnly && deps.worker) {
    const worker = deps.worker;
    await attempt(pass, 'queue', async () => {
      // The queue first, leaving the other phases their share of the run.
      const leave = Math.min(WORKER_LEAVES_MS, (deadline - now()) / 3);
      const worked = await worker({ deadline: deadline - leave });
      summary.tasksDone = worked.done;
      summary.tasksPutBack = worked.putBack;
    });
  }

  let rows: ReconcileRow[] = [];
  await attempt(pass, 'read-projects', () => readRows(pass, rows));
  if (options.environmentIds)
    rows = rows.filter(
      (row) =>
        row.qovery_environment_id !== null && options.environmentIds?.includes(row.qovery_environment_id),
    );
  summary.checked = rows.length;

  // Rows are read before Qovery is: an environment absent from the listing existed when its row was read.
  let states: Map<string, Observed> | undefined;
  if (summary.failures.length === 0)
    await attempt(pass, 'qovery-status', async () => {
      states = await pass.qovery.observeAll(pass.call);
    });

  if (states) {
    const known = states;
    await attempt(pass, 'statuses', () => reconcileStatuses(pass, rows, known));
    if (!options.statusesOnly) await attempt(pass, 'orphans', () => removeOrphans(pass, rows, known));
    await attempt(pass, 'urls', () => fillUrls(pass, rows, known));
    for (const step of steps)
      await attempt(pass, step.name, async () => {
        summary.changed += (await step.run({ rows, states: known, deadline })).changed;
      });
  }
  if (!options.statusesOnly) await attempt(pass, 'purge', () => purgeExpired(pass));

  summary.durationMs = now() - started;
  pass.log.info('reconcile', { ...summary });
  return summary;
}
