import type { ReconcileRow } from '../../platform/hasura/documents';
import { type Observed, phaseOfObserved } from '../lifecycle';
import { finishDeletions } from './deletions';
import { type Pass, timeLeft } from './pass';

/**
 * This deployment's environments that no row references, older than the grace period (so that a
 * CreateProject in flight is never touched), are deleted; and a DeleteProject that died before it
 * stored the environment it found is finished once none is left.
 */
export async function removeOrphans(
  pass: Pass,
  rows: readonly ReconcileRow[],
  states: Map<string, Observed>,
): Promise<void> {
  const { qovery, call, summary, orphanGraceMs = 15 * 60 * 1000 } = pass;
  const referenced = new Set(rows.map((row) => row.qovery_environment_id).filter((id) => id !== null));
  const unknown = [...states.keys()].some((id) => !referenced.has(id));
  const deletingWithoutEnvironment = rows.filter(
    (row) => row.status === 'DELETING' && row.qovery_environment_id === null,
  );
  // Names are only needed when the listing holds environments no row knows (or a deletion
  // lost its environment id): otherwise no second Qovery call.
  if (!unknown && deletingWithoutEnvironment.length === 0) return;
  const own = await qovery.listOwn(call);
  const oldEnough = pass.now() - orphanGraceMs;
  for (const environment of own) {
    if (!timeLeft(pass)) break;
    if (referenced.has(environment.id) || environment.createdAt > oldEnough) continue;
    const phase = phaseOfObserved(states.get(environment.id) ?? 'GONE');
    if (phase === 'deleting' || phase === 'gone') continue;
    await qovery.destroy(environment.id, call);
    summary.orphansRemoved++;
  }
  const stillThere = new Set(own.map((environment) => environment.rowId));
  const finished = deletingWithoutEnvironment.filter((row) => !stillThere.has(row.id)).map((row) => row.id);
  await finishDeletions(pass, finished);
}
