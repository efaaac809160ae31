/**
 * Custom domains: an owner serves their instance from their own names, with a certificate from
 * Qovery, and AppWrite knows its public name.
 *
 * - AddDomain (add.ts) validates the name (names.ts), takes a slot (MAX_DOMAINS_PER_PROJECT), adds
 *   it to the instance's proxy container on Qovery and answers the CNAME record to create: its
 *   target is Qovery's `validation_domain`. The domain is PENDING.
 * - The reconciler (lib/instances/reconciler/domains.ts, with check.ts) follows each pending name with
 *   Qovery's DNS check (one call per instance, whatever its number of names, a few instances per
 *   run), tells the owner what is wrong while it waits, and once the record is right redeploys the
 *   instance, which installs the name in its ingress and asks Let's Encrypt for its certificate
 *   (Qovery validates custom domains at deployment). Then the name is ACTIVE. Still wrong an hour
 *   after it was added: FAILED, checked every 15 minutes; failed for a day: given up and reported.
 * - SetPrimaryDomain (primary.ts) makes an ACTIVE name the one AppWrite uses for itself
 *   (`_APP_DOMAIN`, …: lib/instances/blueprint/variables `publicNameVariables`); RemoveDomain
 *   (remove.ts) takes a name away, and AppWrite back to the generated host if it was the primary.
 *
 * Qovery calls: AddDomain 2 (the proxy's id, the custom domain), 1 when the instance has a domain
 * already; RemoveDomain 1–3 (delete; the names, if primary; a redeploy if it was served);
 * SetPrimaryDomain 2; a reconciler check 1 per instance, and 1 redeploy when a name validates.
 * Every operation reserves its calls from the deployment's budget first (lib/instances/budget).
 */
import { isQoveryError, toAppError } from '../../platform/qovery/client';
import { addDomain } from './add';
import { setPrimaryDomain } from './primary';
import { removeDomain } from './remove';
import type { Domains, DomainsDeps } from './types';

export { type DomainsStepDeps, followDomains } from './check';
export type { AddDomainAnswer, AddDomainInput, DomainCaller, Domains, DomainsDeps } from './types';

export function createDomains(deps: DomainsDeps): Domains {
  /** Qovery's failures become catalogue errors (details in `cause`). */
  const action =
    <A extends unknown[], R>(operation: (deps: DomainsDeps, ...args: A) => Promise<R>) =>
    (...args: A) =>
      operation(deps, ...args).catch((error: unknown) => {
        throw isQoveryError(error) ? toAppError(error) : error;
      });
  return { add: action(addDomain), remove: action(removeDomain), setPrimary: action(setPrimaryDomain) };
}
