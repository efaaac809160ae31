/**
 * The Qovery side of custom domains: every name is a custom domain of the instance's proxy
 * container (lib/instances/blueprint/proxy.ts), the one public service, so a failing name never
 * holds up another instance's certificates (Qovery: "If validation fails for one domain, it can
 * prevent certificate generation for all domains" of a service,
 * https://hub.qovery.com/guides/tutorial/certificate_management_for_multi_tenant_infrastructure).
 */
import { AppError } from '../../basics/errors';
import { type CallOptions, isQoveryError } from '../../platform/qovery/client';
import { publicNameVariables } from '../blueprint/variables';
import { variablesImport } from '../blueprint/variables-import';
import { idOf } from '../calls';
import type { DomainsClient, DomainsDeps } from './types';

/** The proxy container's id (one call: the environment's containers). */
export async function proxyContainerId(
  client: DomainsClient,
  environmentId: string,
  options: CallOptions,
): Promise<string> {
  // Equivalent if given an element (mutation testing): Stryker's text has no name, so no proxy either.
  // Stryker disable next-line ArrayDeclaration
  const { results = [] } = await client.listContainer(environmentId, options);
  return idOf(results.find((container) => container.name === 'proxy'));
}

/**
 * AppWrite's names follow the primary domain (null: the generated host): one import of
 * ENVIRONMENT-scoped variables, through the proxy container (which `{public}` names).
 */
export async function applyPublicNames(
  client: DomainsClient,
  proxyId: string,
  primary: string | null,
  options: CallOptions,
): Promise<void> {
  const body = variablesImport([{ scope: 'ENVIRONMENT', vars: publicNameVariables(primary) }], {
    proxy: proxyId,
  });
  await client.importContainerEnvironmentVariable(proxyId, body, options);
}

/** Deletes a custom domain; one Qovery no longer has counts as deleted. */
export async function deleteCustomDomain(
  client: DomainsClient,
  containerId: string,
  customDomainId: string,
  options: CallOptions,
): Promise<void> {
  try {
    await client.deleteContainerCustomDomain(containerId, customDomainId, options);
  } catch (error) {
    if (!isQoveryError(error, 'not-found')) throw error;
  }
}

/**
 * Redeploys the environment so that its ingress (names and certificate) and AppWrite's variables
 * follow; false when a deployment is under way (Qovery's 409, or 400 "action already in
 * progress", https://github.com/Qovery/qovery-openapi-spec/pull/1186): the reconciler does it later.
 */
export async function redeploy(
  client: DomainsClient,
  environmentId: string,
  options: CallOptions,
): Promise<boolean> {
  try {
    await client.deployEnvironment(environmentId, options);
    return true;
  } catch (error) {
    if (isQoveryError(error, 'conflict') || isQoveryError(error, 'rejected')) return false;
    throw error;
  }
}

/** Runs `work` on a reservation of `cost` Qovery calls, or refuses with when to try again. */
export async function withBudget<T>(
  deps: Pick<DomainsDeps, 'budget'>,
  cost: number,
  deadline: number,
  work: () => Promise<T>,
): Promise<T> {
  if (!deps.budget) return work();
  const reserved = await deps.budget.reserve(cost, { deadline });
  if (!reserved.granted)
    throw new AppError('infrastructure-unavailable', {
      details: { retryAfterSeconds: reserved.retryAfterSeconds },
    });
  return reserved.run(work);
}
