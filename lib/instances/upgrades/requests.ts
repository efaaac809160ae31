import type { HasuraClient } from '../../platform/hasura/client';
import { ProjectVersions, RequestUpgrade, type UpgradeRow } from '../../platform/hasura/documents';
import { releases as knownReleases, type Release, upgradePath } from '../blueprint/versions';
import { PAGE } from './shared';

// The operator's side (scripts/upgrade.ts): the targets the reconciler then takes each instance to.

export interface UpgradeRequest {
  /** Project ids, or every project. */
  projects: readonly number[] | 'all';
  /** The release to go to: a key of `releases`, normally the configured APPWRITE_VERSION. */
  target: string;
  releases?: Readonly<Record<string, Release>>;
}

export interface UpgradeRequestAnswer {
  /** Projects whose target is now `target` (the reconciler takes them there). */
  asked: number[];
  /** Projects left alone, and why. */
  skipped: { id: number; version: string | null; why: string }[];
}

/** Every project's release and upgrade, in id order (paged). */
export async function listUpgrades(hasura: HasuraClient, deadline: number): Promise<UpgradeRow[]> {
  const rows: UpgradeRow[] = [];
  for (let after = 0; ; ) {
    const { project } = await hasura.request(ProjectVersions, { after, limit: PAGE }, { deadline });
    rows.push(...project);
    const last = project.at(-1);
    if (project.length < PAGE || !last) return rows;
    after = last.id;
  }
}

/**
 * Records `target` on the projects that can go there (known release, not older than theirs, not
 * being deleted), clearing a stopped upgrade so that it is retried; says which were left alone.
 */
export async function requestUpgrades(
  hasura: HasuraClient,
  { projects, target, releases = knownReleases }: UpgradeRequest,
  deadline: number,
): Promise<UpgradeRequestAnswer> {
  if (!releases[target]) throw new RangeError(`AppWrite ${target} is not a release this code knows`);
  const rows = await listUpgrades(hasura, deadline);
  const wanted = projects === 'all' ? undefined : new Set(projects);
  const answer: UpgradeRequestAnswer = { asked: [], skipped: [] };
  for (const id of wanted ?? []) {
    if (!rows.some((row) => row.id === id))
      answer.skipped.push({ id, version: null, why: 'no such project' });
  }
  for (const row of rows) {
    if (wanted && !wanted.has(row.id)) continue;
    const skip = (why: string) => answer.skipped.push({ id: row.id, version: row.appwrite_version, why });
    if (row.status === 'DELETING') skip('being deleted');
    else if (row.appwrite_version === target && row.upgrade_step === null) skip('already there');
    else {
      try {
        upgradePath(row.appwrite_version, target, releases);
        answer.asked.push(row.id);
      } catch (error) {
        skip(error instanceof Error ? error.message : 'no upgrade path');
      }
    }
  }
  for (let i = 0; i < answer.asked.length; i += PAGE) {
    await hasura.request(RequestUpgrade, { ids: answer.asked.slice(i, i + PAGE), target }, { deadline });
  }
  return answer;
}
