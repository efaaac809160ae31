import type { ReconcileRow } from '../../platform/hasura/documents';
import { UpdateProject } from '../../platform/hasura/documents';
import { type Observed, phaseOfObserved } from '../lifecycle';
import { type Pass, timeLeft } from './pass';

/** Statuses of an instance that exists and is not being deleted. */
const LIVE = new Set(['STOPPED', 'STARTING', 'RUNNING', 'STOPPING']);

/**
 * The url of an instance whose domain Qovery named after the create (the row's is empty), fetched
 * and written: at most `maxUrlsPerRun` a run (ProjectStatus did this before it read the row only).
 */
export async function fillUrls(
  pass: Pass,
  rows: readonly ReconcileRow[],
  states: ReadonlyMap<string, Observed>,
): Promise<void> {
  const { qovery, hasura, call, summary, maxUrlsPerRun = 10 } = pass;
  const missing = rows.filter(
    (row) =>
      !row.url &&
      row.qovery_appwrite_id !== null &&
      row.qovery_environment_id !== null &&
      LIVE.has(row.status) &&
      phaseOfObserved(states.get(row.qovery_environment_id) ?? 'GONE') !== 'gone',
  );
  for (const row of missing.slice(0, maxUrlsPerRun)) {
    if (!timeLeft(pass)) break;
    const url = await qovery.url(row.qovery_appwrite_id as string, call).catch(() => null);
    if (!url) continue;
    await hasura.request(UpdateProject, { id: row.id, set: { url } }, call);
    summary.urlsFilled++;
  }
}
