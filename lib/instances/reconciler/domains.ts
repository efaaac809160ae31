/**
 * The custom domains' pass: follows each pending name from PENDING to ACTIVE or FAILED with
 * Qovery's DNS check, and redeploys the instances whose names validated
 * (lib/instances/domains/check.ts says how, and how little of the Qovery budget it takes).
 */
import { type DomainsStepDeps, followDomains } from '../domains';
import type { ReconcileStep } from './types';

export function domainsStep(deps: DomainsStepDeps): ReconcileStep {
  return { name: 'domains', run: (context) => followDomains(deps, context) };
}
