import type { ProjectMove, ReconcileRow } from '../../platform/hasura/documents';
import {
  ABANDONED_AFTER_MS,
  type Observed,
  phaseOfObserved,
  reasons,
  type StatusWithReason,
  statusFor,
  withUpgradeReason,
} from '../lifecycle';

/** What a run decided for its rows, before it acts on any of it. */
export interface Plan {
  /** Status writes, grouped by (from, to, reason): one batched request. */
  moves: Map<string, ProjectMove>;
  /** Rows whose environment is gone: their deletion is finished (their buckets, then the rows). */
  gone: ReconcileRow[];
  /** Environments of DELETING rows that are not being deleted: their deletion is asked again. */
  askAgain: string[];
  /** Environments of STOPPING rows whose deployment StopProject cancelled: their stop is asked. */
  stopAgain: string[];
  /** Rows not being deleted whose environment the listing lacks: each absence is confirmed first. */
  absent: ReconcileRow[];
}

/** Each row against Qovery's listing of every environment. */
export function planRows(
  rows: readonly ReconcileRow[],
  states: Map<string, Observed>,
  now: () => number,
): Plan {
  const plan: Plan = { moves: new Map(), gone: [], askAgain: [], stopAgain: [], absent: [] };
  for (const row of rows) {
    // Waiting in the queue: its task writes the row when it runs.
    if (row.status === 'QUEUED') continue;
    if (ownerless(plan, row)) continue;
    if (row.status === 'CREATING') {
      // The row turned CREATING when the queue's task began.
      if (now() - Date.parse(row.status_changed_at) > ABANDONED_AFTER_MS)
        move(plan, row, { status: 'ERROR', reason: reasons.creationInterrupted });
      continue;
    }
    const environmentId = row.qovery_environment_id;
    if (environmentId === null) continue; // no instance: ERROR already, or DELETING (orphans)
    const observed = states.get(environmentId);
    // A deletion's absence is what we wait for: trusted as is (were the listing wrong, the
    // environment would show up again and go as an orphan). Any other absence is confirmed.
    if (observed === undefined && row.status === 'DELETING') plan.gone.push(row);
    else if (observed === undefined) plan.absent.push(row);
    else decide(plan, row, environmentId, observed);
  }
  return plan;
}

/**
 * A project whose owner is gone (its account deleted while a CreateProject was under way: the row
 * outlived the account's deletion) is nobody's to see, stop or delete, yet it runs and keeps a
 * bucket: it is deleted. Its row goes DELETING and its environment's deletion is asked; the usual
 * deletion path then removes the bucket and the row once Qovery confirms (or, with no environment,
 * once no environment of ours carries its id: orphans.ts). A CreateProject still under way is left
 * to finish (or to be found abandoned) first.
 */
function ownerless(plan: Plan, row: ReconcileRow): boolean {
  if (row.owner_id !== null || row.status === 'CREATING' || row.status === 'DELETING') return false;
  move(plan, row, { status: 'DELETING', reason: null });
  if (row.qovery_environment_id !== null) plan.askAgain.push(row.qovery_environment_id);
  return true;
}

/** What one row's environment being `observed` calls for. */
export function decide(plan: Plan, row: ReconcileRow, environmentId: string, observed: Observed): void {
  const phase = phaseOfObserved(observed);
  if (row.status === 'STOPPING') {
    // A StopProject asked for this: it cancelled a deployment (or lost a race to one that
    // finished). Stop once Qovery is done with the cancellation; keep STOPPING meanwhile.
    if (phase === 'starting') return;
    if (phase === 'running' || observed === 'CANCELED' || (phase === 'failed' && observed !== 'STOP_ERROR')) {
      plan.stopAgain.push(environmentId);
      return;
    }
  }
  if (row.status !== 'DELETING') move(plan, row, withUpgradeReason(statusFor(observed), row.upgrade_error));
  else if (phase === 'gone') plan.gone.push(row);
  else if (phase === 'delete-failed') move(plan, row, statusFor(observed));
  else if (phase !== 'deleting') plan.askAgain.push(environmentId);
}

function move(plan: Plan, row: ReconcileRow, next: StatusWithReason): void {
  if (row.status === next.status && row.status_reason === next.reason) return;
  const key = JSON.stringify([row.status, next.status, next.reason]);
  const group = plan.moves.get(key) ?? { ids: [], from: row.status, ...next };
  group.ids.push(row.id);
  plan.moves.set(key, group);
}
