/** RemoveDomain: the name leaves Qovery, AppWrite falls back to the generated host if it was primary. */
import { DeleteDomain, UpdateDomain } from '../../platform/hasura/documents';
import { normalizeDomain } from './names';
import { applyPublicNames, deleteCustomDomain, redeploy, withBudget } from './qovery';
import { changeableEnvironment, findOwnDomains, type OwnProject, ok, ownDomain } from './shared';
import type { DomainCaller, DomainRow, DomainsDeps } from './types';

export async function removeDomain(
  deps: DomainsDeps,
  projectId: number,
  domain: string,
  caller: DomainCaller,
): Promise<typeof ok> {
  const name = normalizeDomain(domain);
  const { project } = await findOwnDomains(deps, projectId, name, caller);
  const row = ownDomain(project, name);
  const environmentId = changeableEnvironment(project);
  const options = { deadline: caller.deadline };
  const containerId = row.qovery_container_id;
  // A name the instance was deployed with stays in its ingress and certificate until a redeploy.
  const deploy = (row.status === 'ACTIVE' || row.is_primary) && project.status === 'RUNNING';
  const cost = (containerId ? 1 : 0) + (row.is_primary && containerId ? 1 : 0) + (deploy ? 1 : 0);
  await withBudget(deps, cost, caller.deadline, async () => {
    if (containerId && row.qovery_domain_id)
      await deleteCustomDomain(deps.client, containerId, row.qovery_domain_id, options);
    if (row.is_primary && containerId) await applyPublicNames(deps.client, containerId, null, options);
    if (deploy && !(await redeploy(deps.client, environmentId, options)))
      await deployLater(deps, project, row, caller.deadline);
  });
  await deps.hasura.request(DeleteDomain, { id: row.id }, options);
  caller.log.info('domain.removed', { projectId, domain: name, wasPrimary: row.is_primary });
  return ok;
}

/** A deployment was under way: another of the project's domains carries the redeploy to the reconciler. */
export async function deployLater(
  deps: Pick<DomainsDeps, 'hasura'>,
  project: OwnProject,
  except: DomainRow | null,
  deadline: number,
): Promise<void> {
  const carrier = project.domains.find((domain) => domain.id !== except?.id);
  if (carrier)
    await deps.hasura.request(UpdateDomain, { id: carrier.id, set: { needs_deploy: true } }, { deadline });
}
