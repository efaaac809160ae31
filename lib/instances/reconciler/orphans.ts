import { InstanceTemplate, type ReconcileRow } from '../../platform/hasura/documents';
import { type Observed, phaseOfObserved } from '../lifecycle';
import { finishDeletions } from './deletions';
import { type Pass, timeLeft } from './pass';

/**
 * This deployment's environments that no row references, older than the grace period (so that a
 * CreateProject in flight is never touched), are deleted; and a DeleteProject that died before it
 * stored the environment it found is finished once none is left.
 *
 * "This deployment's" is proven, never assumed from the name's shape: the name must end with this
 * deployment's mark (QOVERY_DEPLOYMENT_ID, blueprint/environment.ts), which no other deployment
 * puts on its names. The prefix alone proves nothing: two deployments may share a Qovery project
 * with the same prefix (or none, as before the prefix was required), and each would take the
 * other's instances, which it has no row for, for orphans. An environment named with the prefix
 * but without the mark (made before marks existed, or another deployment's) is left alone, and
 * said so in the log for the operator to judge. The mark is read from the listing's names: proving
 * costs no Qovery call.
 */
export async function removeOrphans(
  pass: Pass,
  rows: readonly ReconcileRow[],
  states: Map<string, Observed>,
): Promise<void> {
  const { qovery, call, summary, orphanGraceMs = 15 * 60 * 1000 } = pass;
  const referenced = new Set(rows.map((row) => row.qovery_environment_id).filter((id) => id !== null));
  const deletingWithoutEnvironment = rows.filter(
    (row) => row.status === 'DELETING' && row.qovery_environment_id === null,
  );
  // Names are only needed when the listing holds environments no row knows (or a deletion
  // lost its environment id): otherwise no second Qovery call. The recorded template (`npm run
  // template`) has no project row but is known: without this, its presence alone cost a listing
  // every run (60 requests an hour of the budget).
  if (deletingWithoutEnvironment.length === 0 && !(await unknownBesidesTemplate(pass, referenced, states)))
    return;
  const own = await qovery.listOwn(call);
  const oldEnough = pass.now() - orphanGraceMs;
  const unproven: string[] = [];
  for (const environment of own) {
    if (!timeLeft(pass)) break;
    if (referenced.has(environment.id) || environment.createdAt > oldEnough) continue;
    const phase = phaseOfObserved(states.get(environment.id) ?? 'GONE');
    if (phase === 'deleting' || phase === 'gone') continue;
    if (!environment.proven) {
      unproven.push(environment.name);
      continue;
    }
    await qovery.destroy(environment.id, call);
    summary.orphansRemoved++;
  }
  if (unproven.length > 0)
    pass.log.warn('reconcile.orphans.left-alone', {
      environments: unproven,
      reason:
        "named with this deployment's prefix but not its mark (QOVERY_DEPLOYMENT_ID): made before marks, or by another deployment using the same QOVERY_ENVIRONMENT_PREFIX. Not deleted: delete one by hand once you know it is no one's",
    });
  // Only a proven environment keeps a deletion waiting: an unmarked one may be anyone's.
  const stillThere = new Set(own.filter((environment) => environment.proven).map((e) => e.rowId));
  await finishDeletions(
    pass,
    deletingWithoutEnvironment.filter((row) => !stillThere.has(row.id)),
  );
}

/** Whether the listing holds an environment that neither a row nor the recorded template is. */
async function unknownBesidesTemplate(
  { hasura, call }: Pass,
  referenced: ReadonlySet<string>,
  states: ReadonlyMap<string, Observed>,
): Promise<boolean> {
  const unknown = [...states.keys()].filter((id) => !referenced.has(id));
  if (unknown.length === 0) return false;
  // One Hasura read, only when some environment is unaccounted for (the template, every run).
  const { instance_template_by_pk: template } = await hasura.request(InstanceTemplate, {}, call);
  return unknown.some((id) => id !== template?.qovery_environment_id);
}
