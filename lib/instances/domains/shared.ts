/** What the domain operations share: the owner's project with its domains, and the words owners read. */
import { AppError } from '../../basics/errors';
import { FindOwnProjectDomains, type FindOwnProjectDomainsQuery } from '../../platform/hasura/documents';
import type { DomainCaller, DomainRow, DomainsDeps } from './types';

export type OwnProject = FindOwnProjectDomainsQuery['project'][number];

export const ok = { ok: true } as const;

/** What the owner reads while their domain waits, fails or is given up on. */
export const domainReasons = {
  awaiting: (name: string, target: string, flattening: boolean) =>
    `Create a ${flattening ? 'CNAME (flattened: ALIAS or ANAME)' : 'CNAME'} record for ${name} pointing to ${target} at your DNS provider. This status moves by itself once the record is found (DNS changes can take up to an hour to be seen).`,
  found:
    'The DNS record was found: the instance is being updated to serve this name and get its certificate.',
  notConfigured: (name: string, target: string) =>
    `No DNS record was found for ${name}: create a CNAME record pointing to ${target}.`,
  wrongTarget: (name: string, target: string) =>
    `${name} points somewhere else: its CNAME record must point to ${target}.`,
  checkFailed: (details: string | null) =>
    `The DNS check of this name failed${details ? ` (${details})` : ''}: check its record at your DNS provider.`,
  unknownToProvider: 'The hosting provider no longer knows this name: remove it and add it again.',
  givenUp:
    'We stopped checking this name after a day of failures: fix its record, then add it again (AddDomain).',
} as const;

/** The caller's project (another user's answers `not-found`), its domains, and who holds `name`. */
export async function findOwnDomains(
  { hasura }: Pick<DomainsDeps, 'hasura'>,
  projectId: number,
  name: string,
  { userId, deadline }: DomainCaller,
): Promise<{ project: OwnProject; holder: { id: number; project_id: number } | undefined }> {
  const result = await hasura.request(
    FindOwnProjectDomains,
    { id: projectId, ownerId: userId, name },
    { deadline },
  );
  const project = result.project[0];
  if (!project) throw new AppError('not-found');
  return { project, holder: result.domain[0] };
}

/** One of the project's domains by name, or `domain-not-found`. */
export function ownDomain(project: OwnProject, name: string): DomainRow {
  const row = project.domains.find((domain) => domain.name === name);
  if (!row) throw new AppError('domain-not-found');
  return row;
}

/** The environment of a project that may change, or `project-busy` while it is created or deleted. */
export function changeableEnvironment(project: OwnProject): string {
  if (project.status === 'DELETING' || project.status === 'CREATING' || !project.qovery_environment_id)
    throw new AppError('project-busy', {
      message: 'The instance is being created or deleted: its domains cannot change now.',
      details: { status: project.status },
    });
  return project.qovery_environment_id;
}
