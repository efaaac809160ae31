import { MoveProjects, type ProjectMove, type ReconcileRow } from '../../platform/hasura/documents';
import type { Observed } from '../lifecycle';
import { askDeletionsAgain, finishDeletions } from './deletions';
import { type Pass, timeLeft } from './pass';
import { decide, type Plan, planRows } from './plan';
import { askStopsAgain } from './stops';

const MAX_CONFIRMATIONS_PER_RUN = 50;

/**
 * Each row's status from Qovery's states, written only where it changed; then the deletions and
 * the stops those states call for.
 */
export async function reconcileStatuses(
  pass: Pass,
  rows: readonly ReconcileRow[],
  states: Map<string, Observed>,
): Promise<void> {
  const plan = planRows(rows, states, pass.now);
  await confirmAbsences(pass, plan);
  await writeMoves(pass, plan.moves);
  await finishDeletions(pass, plan.gone);
  await askDeletionsAgain(pass, plan.askAgain);
  await askStopsAgain(pass, plan.stopAgain);
}

/** Each absence from the listing confirmed on its own before it is acted on (a few per run). */
async function confirmAbsences(pass: Pass, plan: Plan): Promise<void> {
  const { maxConfirmationsPerRun = MAX_CONFIRMATIONS_PER_RUN } = pass;
  for (const row of plan.absent.slice(0, maxConfirmationsPerRun)) {
    if (!timeLeft(pass)) break;
    const environmentId = row.qovery_environment_id as string;
    decide(plan, row, environmentId, await pass.qovery.observe(environmentId, pass.call));
  }
}

/** Every status change in one request, each conditional on the status it was read with. */
async function writeMoves({ hasura, call, summary }: Pass, moves: Map<string, ProjectMove>): Promise<void> {
  if (moves.size === 0) return;
  const { doc, variables } = MoveProjects([...moves.values()]);
  const result = await hasura.request(doc, variables, call);
  for (const field of Object.values(result)) summary.changed += field?.affected_rows ?? 0;
}
