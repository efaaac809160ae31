import type { Logger } from '../../basics/log';
import type { HasuraClient } from '../../platform/hasura/client';
import type { DomainRowFieldsFragment } from '../../platform/hasura/documents';
import type { QoveryClient } from '../../platform/qovery/client';
import type { QoveryBudget } from '../budget';

export type DomainRow = DomainRowFieldsFragment;
export type DomainStatus = 'PENDING' | 'ACTIVE' | 'FAILED';

/** The Qovery calls custom domains make (lib/platform/qovery/client). */
export type DomainsClient = Pick<
  QoveryClient,
  | 'listContainer'
  | 'createContainerCustomDomain'
  | 'deleteContainerCustomDomain'
  | 'checkContainerCustomDomain'
  | 'importContainerEnvironmentVariable'
  | 'deployEnvironment'
>;

export interface DomainsDeps {
  hasura: HasuraClient;
  client: DomainsClient;
  /** The deployment's Qovery budget: each operation reserves its calls first (lib/instances/budget). */
  budget?: Pick<QoveryBudget, 'reserve'>;
  /** MAX_DOMAINS_PER_PROJECT. */
  maxPerProject: number;
}

export interface DomainCaller {
  userId: number;
  deadline: number;
  log: Logger;
}

/** What AddDomain answers: the record the owner creates at their DNS provider, and where it stands. */
export interface AddDomainAnswer {
  domain: string;
  status: DomainStatus;
  reason: string | null;
  recordName: string;
  recordType: 'CNAME';
  recordTarget: string;
}

export interface AddDomainInput {
  domain: string;
  /** A CDN (Cloudflare's proxy, …) fronts the name: Qovery then checks only that it resolves. */
  cdn?: boolean;
  /** The name is a zone's apex and the owner's DNS provider flattens CNAMEs (ALIAS, ANAME). */
  cnameFlattening?: boolean;
}

export interface Domains {
  add(projectId: number, input: AddDomainInput, caller: DomainCaller): Promise<AddDomainAnswer>;
  remove(projectId: number, domain: string, caller: DomainCaller): Promise<{ ok: true }>;
  /** The name AppWrite uses for itself: an ACTIVE domain of the instance, or null for its generated host. */
  setPrimary(projectId: number, domain: string | null, caller: DomainCaller): Promise<{ ok: true }>;
}
