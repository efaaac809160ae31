/** SetPrimaryDomain: the name AppWrite uses for itself (links, e-mails, function endpoints, console). */
import { AppError } from '../../basics/errors';
import { SetPrimaryDomain, UpdateDomain } from '../../platform/hasura/documents';
import { normalizeDomain } from './names';
import { applyPublicNames, redeploy, withBudget } from './qovery';
import { changeableEnvironment, findOwnDomains, ok, ownDomain } from './shared';
import type { DomainCaller, DomainRow, DomainsDeps } from './types';

/**
 * Only an ACTIVE name may become primary: AppWrite would otherwise send links to a name that does
 * not answer yet. Null goes back to the generated host. 2 Qovery calls (import, deploy), 1 for a
 * stopped instance (its next start deploys it).
 */
export async function setPrimaryDomain(
  deps: DomainsDeps,
  projectId: number,
  domain: string | null,
  caller: DomainCaller,
): Promise<typeof ok> {
  const name = domain === null ? null : normalizeDomain(domain);
  const { project } = await findOwnDomains(deps, projectId, name ?? '', caller);
  const target = name === null ? null : ownDomain(project, name);
  if (target && target.status !== 'ACTIVE') throw new AppError('domain-not-active');
  const current = project.domains.find((row) => row.is_primary) ?? null;
  if (current?.id === target?.id) return ok;
  const environmentId = changeableEnvironment(project);
  // The name whose container carries the change: never both null here (the same primary, none,
  // returned above).
  const carrier = (target ?? current) as DomainRow;
  const proxyId = carrier.qovery_container_id;
  if (!proxyId) throw new AppError('internal-error', { cause: new Error('A domain without its container') });
  const options = { deadline: caller.deadline };
  const deploy = project.status === 'RUNNING';
  await withBudget(deps, deploy ? 2 : 1, caller.deadline, async () => {
    await applyPublicNames(deps.client, proxyId, name, options);
    await deps.hasura.request(SetPrimaryDomain, { projectId, id: target?.id ?? 0 }, options);
    if (deploy && !(await redeploy(deps.client, environmentId, options)))
      await deps.hasura.request(UpdateDomain, { id: carrier.id, set: { needs_deploy: true } }, options);
  });
  caller.log.info('domain.primary', { projectId, domain: name });
  return ok;
}
