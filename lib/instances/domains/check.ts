/**
 * The reconciler's part (lib/instances/reconciler/domains.ts): each pending name is checked with
 * Qovery's DNS check of its proxy container, the owner reads what is wrong, and an instance whose
 * name validated is redeployed to serve it. Bounded: `checksPerRun` instances checked per run, the
 * least recently checked first; a FAILED name only every 15 minutes, and not after a day.
 */
import type { CheckedCustomDomainResponse } from 'qovery-typescript-axios';
import type { Logger } from '../../basics/log';
import type { ReconcileRow } from '../../platform/hasura/documents';
import { DomainsToCheck, UpdateDomain } from '../../platform/hasura/documents';
import { type Observed, phaseOfObserved } from '../lifecycle';
import { redeploy } from './qovery';
import { domainReasons } from './shared';
import type { DomainRow, DomainsDeps } from './types';

/** A name still wrong this long after it was added turns FAILED. */
export const PENDING_GRACE_MS = 60 * 60 * 1000;
/** A FAILED name is checked again at most this often... */
export const FAILED_RECHECK_MS = 15 * 60 * 1000;
/** ...and given up (reported, no more checks) once FAILED this long. */
export const GIVE_UP_AFTER_MS = 24 * 60 * 60 * 1000;

export interface DomainsStepDeps extends Pick<DomainsDeps, 'hasura' | 'client' | 'budget'> {
  log: Logger;
  checksPerRun: number;
  now?: () => number;
}

interface Context {
  rows: readonly ReconcileRow[];
  states: ReadonlyMap<string, Observed>;
  deadline: number;
}

/** One run: checks, then redeploys; the number of rows it changed. */
export async function followDomains(deps: DomainsStepDeps, context: Context): Promise<{ changed: number }> {
  const now = deps.now ?? Date.now;
  const { deadline } = context;
  const before = new Date(now() - FAILED_RECHECK_MS).toISOString();
  const read = await deps.hasura.request(DomainsToCheck, { before, limit: 50 }, { deadline });
  const byContainer = new Map<string, DomainRow[]>();
  for (const row of read.domain) {
    const id = row.qovery_container_id ?? '';
    if (!byContainer.has(id) && byContainer.size >= deps.checksPerRun) continue;
    byContainer.set(id, [...(byContainer.get(id) ?? []), row]);
  }
  const containers = [...byContainer].filter(([id]) => id !== '');
  const redeploys = new Map(read.deploy.map((row) => [row.id, row]));
  if (containers.length === 0 && redeploys.size === 0) return { changed: 0 };
  let changed = 0;
  const work = async () => {
    for (const [containerId, rows] of containers) {
      // Equivalent if given an element (mutation testing): Stryker's text names no domain either.
      // Stryker disable next-line ArrayDeclaration
      const { results = [] } = await deps.client.checkContainerCustomDomain(containerId, { deadline });
      for (const row of rows) {
        const verdict = judge(
          row,
          results.find((r) => r.domain_name === row.name),
          now(),
        );
        await deps.hasura.request(UpdateDomain, { id: row.id, set: verdict.set }, { deadline });
        changed++;
        if (verdict.set.needs_deploy) redeploys.set(row.id, row);
        if (verdict.gaveUp) deps.log.warn('domain.given-up', { domainId: row.id, projectId: row.project_id });
      }
    }
    changed += await deployAll(deps, [...redeploys.values()], context);
  };
  // The checks and at most one redeploy per instance, reserved at once from the deployment's
  // budget (what is not used is given back).
  const projects = [...read.deploy, ...containers.flatMap(([, rows]) => rows)].map((r) => r.project_id);
  const cost = containers.length + new Set(projects).size;
  if (!deps.budget) await work();
  else {
    const reserved = await deps.budget.reserve(cost, { deadline });
    if (!reserved.granted) return { changed: 0 };
    await reserved.run(work);
  }
  return { changed };
}

const SUCCESS = new Set(['MATCHES_LOAD_BALANCER_HOST', 'RESOLVES_TO_IP']);

/** What one check says of one name: its new fields, and whether it was just given up. */
export function judge(
  row: DomainRow,
  checked: CheckedCustomDomainResponse | undefined,
  nowMs: number,
): { set: Record<string, unknown>; gaveUp: boolean } {
  const at = new Date(nowMs).toISOString();
  // With a CDN in front, the name resolves to the CDN's addresses, not to Qovery's host.
  const ok =
    checked && (row.use_cdn ? SUCCESS.has(checked.status) : checked.status === 'MATCHES_LOAD_BALANCER_HOST');
  if (ok)
    return { set: { checked_at: at, status_reason: domainReasons.found, needs_deploy: true }, gaveUp: false };
  const reason = reasonOf(row, checked);
  if (row.status === 'FAILED' && row.failed_at && nowMs - Date.parse(row.failed_at) >= GIVE_UP_AFTER_MS)
    return {
      set: { checked_at: at, status_reason: `${reason} ${domainReasons.givenUp}`, given_up_at: at },
      gaveUp: true,
    };
  const set: Record<string, unknown> = { checked_at: at, status_reason: reason };
  // A pending name still wrong an hour after it was added fails; a FAILED one stays FAILED.
  if (row.status !== 'FAILED' && nowMs - Date.parse(row.pending_since) >= PENDING_GRACE_MS)
    Object.assign(set, { status: 'FAILED', failed_at: at });
  return { set, gaveUp: false };
}

function reasonOf(row: DomainRow, checked: CheckedCustomDomainResponse | undefined): string {
  const target = row.dns_target ?? '';
  switch (checked?.status) {
    case undefined:
      return domainReasons.unknownToProvider;
    case 'DOMAIN_NOT_CONFIGURED':
      return domainReasons.notConfigured(row.name, target);
    case 'DOMAIN_LINKED_TO_WRONG_HOST':
    case 'RESOLVES_TO_IP':
      return domainReasons.wrongTarget(row.name, target);
    default: {
      // `checked` is defined here (undefined is the first case): `?.` only satisfies the type
      // checker (mutation testing: equivalent if removed).
      // Stryker disable next-line OptionalChaining
      const details = checked?.error_details;
      return domainReasons.checkFailed(details?.slice(0, 200) ?? null);
    }
  }
}

/**
 * One redeploy per instance whose names need it: a running one now (busy: next run), a stopped
 * one not at all (its next start deploys it); the names then become ACTIVE.
 */
async function deployAll(deps: DomainsStepDeps, rows: DomainRow[], context: Context): Promise<number> {
  let changed = 0;
  const projects = new Map<number, DomainRow[]>();
  for (const row of rows) projects.set(row.project_id, [...(projects.get(row.project_id) ?? []), row]);
  for (const [projectId, names] of projects) {
    const environmentId = context.rows.find((row) => row.id === projectId)?.qovery_environment_id;
    // Both equivalent if changed (mutation testing): a project without an environment, or one
    // Qovery did not list, reads as gone or failed, neither of which is redeployed.
    // Stryker disable next-line ConditionalExpression
    if (!environmentId) continue;
    // Stryker disable next-line StringLiteral
    const phase = phaseOfObserved(context.states.get(environmentId) ?? 'GONE');
    if (phase !== 'running' && phase !== 'stopped') continue;
    if (phase === 'running' && !(await redeploy(deps.client, environmentId, context))) continue;
    for (const row of names) {
      const set = {
        needs_deploy: false,
        status: 'ACTIVE',
        ...(row.status === 'ACTIVE' ? {} : { status_reason: null }),
      };
      await deps.hasura.request(UpdateDomain, { id: row.id, set }, { deadline: context.deadline });
      changed++;
    }
    deps.log.info('domain.deployed', { projectId, domains: names.length, redeployed: phase === 'running' });
  }
  return changed;
}
