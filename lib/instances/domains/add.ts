/** AddDomain: a name for the instance, added to its proxy on Qovery; the owner's DNS record to create. */
import { AppError } from '../../basics/errors';
import { isUniquenessViolation } from '../../platform/hasura/client';
import { ClaimDomain, DeleteDomain, UpdateDomain } from '../../platform/hasura/documents';
import { isApex, isGeneratedHost, normalizeDomain } from './names';
import { proxyContainerId, withBudget } from './qovery';
import { changeableEnvironment, domainReasons, findOwnDomains, type OwnProject } from './shared';
import type {
  AddDomainAnswer,
  AddDomainInput,
  DomainCaller,
  DomainRow,
  DomainStatus,
  DomainsDeps,
} from './types';

export async function addDomain(
  deps: DomainsDeps,
  projectId: number,
  input: AddDomainInput,
  caller: DomainCaller,
): Promise<AddDomainAnswer> {
  const name = normalizeDomain(input.domain);
  const { project, holder } = await findOwnDomains(deps, projectId, name, caller);
  const existing = project.domains.find((domain) => domain.name === name);
  if (existing) return again(deps, existing, input, caller);
  if (holder) throw new AppError('domain-taken');
  if (isGeneratedHost(name, project.url)) throw new AppError('domain-reserved');
  if (isApex(name) && !input.cnameFlattening) throw new AppError('domain-apex');
  const environmentId = changeableEnvironment(project);
  const slot = freeSlot(project, deps.maxPerProject);
  let containerId = project.domains.find((domain) => domain.qovery_container_id)?.qovery_container_id ?? null;
  const row = await claim(deps, project, name, slot, input, caller);
  const options = { deadline: caller.deadline };
  try {
    const created = await withBudget(deps, containerId ? 1 : 2, caller.deadline, async () => {
      containerId ??= await proxyContainerId(deps.client, environmentId, options);
      const body = { domain: name, generate_certificate: true, use_cdn: input.cdn === true };
      return deps.client.createContainerCustomDomain(containerId, body, options);
    });
    const target = created.validation_domain ?? '';
    const reason = domainReasons.awaiting(name, target, input.cnameFlattening === true);
    const set = {
      qovery_container_id: containerId,
      qovery_domain_id: created.id,
      dns_target: target,
      status_reason: reason,
    };
    await deps.hasura.request(UpdateDomain, { id: row.id, set }, options);
    caller.log.info('domain.added', { projectId, domain: name, cdn: input.cdn === true });
    return answer(name, 'PENDING', reason, target);
  } catch (error) {
    // Nothing half-made stays: the slot and the name are free for another try.
    await deps.hasura.request(DeleteDomain, { id: row.id }, options).catch(() => undefined);
    throw error;
  }
}

function answer(name: string, status: DomainStatus, reason: string | null, target: string): AddDomainAnswer {
  return { domain: name, status, reason, recordName: name, recordType: 'CNAME', recordTarget: target };
}

/** The same name again: its answer as it stands, and a failed one followed again from now. */
async function again(
  deps: DomainsDeps,
  row: DomainRow,
  input: AddDomainInput,
  { deadline }: DomainCaller,
): Promise<AddDomainAnswer> {
  const target = row.dns_target ?? '';
  if (row.status !== 'FAILED') return answer(row.name, row.status as DomainStatus, row.status_reason, target);
  const reason = domainReasons.awaiting(row.name, target, input.cnameFlattening === true);
  const set = {
    status: 'PENDING',
    status_reason: reason,
    pending_since: new Date().toISOString(),
    failed_at: null,
    given_up_at: null,
    checked_at: null,
  };
  await deps.hasura.request(UpdateDomain, { id: row.id, set }, { deadline });
  return answer(row.name, 'PENDING', reason, target);
}

function freeSlot(project: OwnProject, max: number): number {
  const taken = new Set(project.domains.map((domain) => domain.slot));
  for (let slot = 1; slot <= max; slot++) if (!taken.has(slot)) return slot;
  throw new AppError('domain-quota-exceeded', {
    message: `This instance already has ${max} custom domains, the most allowed. Remove one first.`,
    details: { max },
  });
}

/** The row, before Qovery is asked: the unique name and slot settle concurrent calls. */
async function claim(
  deps: DomainsDeps,
  project: OwnProject,
  name: string,
  slot: number,
  input: AddDomainInput,
  { userId, deadline }: DomainCaller,
): Promise<DomainRow> {
  const object = { project_id: project.id, owner_id: userId, name, slot, use_cdn: input.cdn === true };
  try {
    const { insert_domain_one: row } = await deps.hasura.request(ClaimDomain, { object }, { deadline });
    if (!row) throw new AppError('internal-error', { cause: new Error('ClaimDomain inserted nothing') });
    return row;
  } catch (error) {
    if (isUniquenessViolation(error, 'domain_name_key')) throw new AppError('domain-taken');
    if (isUniquenessViolation(error, 'domain_project_id_slot_key'))
      throw new AppError('project-busy', {
        message: 'Another domain is being added to this instance. Try again.',
      });
    throw error;
  }
}
