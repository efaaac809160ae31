import { FindProject, type ProjectRow } from '../../platform/hasura/documents';
import type { ProjectStatus } from '../status';
import type { QueueDeps } from './types';

/** The task's project, whoever owns it now; undefined once it is gone. */
export async function findProject(
  { hasura }: Pick<QueueDeps, 'hasura'>,
  id: number,
  { deadline }: { deadline: number },
): Promise<(ProjectRow & { status: ProjectStatus }) | undefined> {
  const { project_by_pk } = await hasura.request(FindProject, { id }, { deadline });
  // The schema says String; the column's CHECK constraint admits only the statuses.
  return (project_by_pk ?? undefined) as (ProjectRow & { status: ProjectStatus }) | undefined;
}
