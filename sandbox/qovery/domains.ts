/**
 * Custom domains of containers (Qovery's "Container Custom Domain" operations): create, list,
 * delete, and the DNS check of them all. No DNS is asked: a name's check answers what a test set
 * with `setDomainCheck(standIn.state, name, status)`, and `DOMAIN_NOT_CONFIGURED` until then (a
 * name whose owner has not created its record yet). Like Qovery, the custom domain's own `status`
 * is only ever `VALIDATION_PENDING`. Kept in memory only, beside the state (a restart of
 * `npm start` forgets them), and, as Qovery's clone, never copied to a clone.
 */
import { randomUUID } from 'node:crypto';
import type {
  CheckedCustomDomainResponse,
  CheckedCustomDomainStatus,
  CustomDomain,
  CustomDomainRequest,
} from 'qovery-typescript-axios';
import type { Handler, Route } from './handler';
import { HttpProblem, requestBody } from './reply';
import { now, shortId } from './resources';
import { containerById, type StandInState } from './state';

interface DomainRecord {
  containerId: string;
  resource: CustomDomain;
}

interface Domains {
  byId: Map<string, DomainRecord>;
  /** What the DNS check answers for a name (absent: not configured). */
  checks: Map<string, Omit<CheckedCustomDomainResponse, 'domain_name'>>;
}

const domainsOf = new WeakMap<StandInState, Domains>();

/** The state's custom domains: those of a container or environment since deleted go with it. */
function domains(state: StandInState): Domains {
  let found = domainsOf.get(state);
  if (!found) {
    found = { byId: new Map(), checks: new Map() };
    domainsOf.set(state, found);
  }
  for (const [id, { containerId }] of found.byId) {
    const container = state.services.get(containerId);
    if (!container || !state.environments.has(container.environmentId)) found.byId.delete(id);
  }
  return found;
}

/** Tests: what Qovery's DNS check answers for `name` from now on (as if its record changed). */
export function setDomainCheck(
  state: StandInState,
  name: string,
  status: CheckedCustomDomainStatus,
  errorDetails?: string,
): void {
  domains(state).checks.set(name, { status, ...(errorDetails ? { error_details: errorDetails } : {}) });
}

/** Tests: the custom domains of every container (id, name, container, use_cdn). */
export function customDomainsOf(state: StandInState): (CustomDomain & { containerId: string })[] {
  return [...domains(state).byId.values()].map((record) => ({
    ...record.resource,
    containerId: record.containerId,
  }));
}

const listDomains: Handler = ({ state }, [id = '']) => {
  containerById(state, id);
  const results = [...domains(state).byId.values()]
    .filter((r) => r.containerId === id)
    .map((r) => r.resource);
  return { status: 200, body: { results } };
};

const createDomain: Handler = ({ state }, [id = ''], body) => {
  const container = containerById(state, id);
  const request = requestBody<CustomDomainRequest>(body, ['domain']);
  const name = request.domain.toLowerCase();
  // One name serves one service of the organization.
  if ([...domains(state).byId.values()].some((r) => r.resource.domain === name))
    throw new HttpProblem(400, 'This domain is already used');
  const domainId = randomUUID();
  const resource: CustomDomain = {
    id: domainId,
    created_at: now(),
    domain: name,
    generate_certificate: request.generate_certificate,
    use_cdn: request.use_cdn ?? false,
    validation_domain: `z${shortId(id)}-z${shortId(container.environmentId)}.lb.oom.sh`,
    status: 'VALIDATION_PENDING',
  };
  domains(state).byId.set(domainId, { containerId: id, resource });
  return { status: 201, body: resource };
};

const deleteDomain: Handler = ({ state }, [id = '', domainId = '']) => {
  containerById(state, id);
  const record = domains(state).byId.get(domainId);
  if (record?.containerId !== id) throw new HttpProblem(404, 'Custom domain not found');
  domains(state).byId.delete(domainId);
  return { status: 204 };
};

const checkDomains: Handler = ({ state }, [id = '']) => {
  containerById(state, id);
  const { byId, checks } = domains(state);
  const results = [...byId.values()]
    .filter((r) => r.containerId === id)
    .map(
      ({ resource: { domain } }): CheckedCustomDomainResponse => ({
        domain_name: domain,
        ...(checks.get(domain) ?? {
          status: 'DOMAIN_NOT_CONFIGURED',
          error_details: `No CNAME found for ${domain}`,
        }),
      }),
    );
  return { status: 200, body: { results } };
};

export const domainRoutes: Route[] = [
  ['GET', /^\/container\/([^/]+)\/customDomain$/, listDomains],
  ['POST', /^\/container\/([^/]+)\/customDomain$/, createDomain],
  ['DELETE', /^\/container\/([^/]+)\/customDomain\/([^/]+)$/, deleteDomain],
  ['GET', /^\/container\/([^/]+)\/checkCustomDomain$/, checkDomains],
];
