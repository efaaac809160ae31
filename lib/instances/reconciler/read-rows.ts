import { type ReconcileRow, ReconcileRows } from '../../platform/hasura/documents';
import type { Pass } from './pass';

/** Project rows read per request. */
const PAGE = 2000;

/**
 * Every project row, page by page, into `rows`: a page that fails leaves the ones read before it
 * (the run counts them checked, and decides nothing without Qovery's states).
 */
export async function readRows({ hasura, call }: Pass, rows: ReconcileRow[]): Promise<void> {
  for (let after = 0; ; ) {
    const { project } = await hasura.request(ReconcileRows, { after, limit: PAGE }, call);
    rows.push(...project);
    const last = project.at(-1);
    if (project.length < PAGE || !last) break;
    after = last.id;
  }
}
