import type { EnvReader } from '../../basics/settings';

/** Custom domains (lib/instances/domains/): the cap per instance, and how much the reconciler checks. */
export interface DomainsConfig {
  /** MAX_DOMAINS_PER_PROJECT: custom domains one instance may have (default 3). */
  maxPerProject: number;
  /**
   * DOMAIN_CHECKS_PER_RUN: instances whose pending domains one reconciler run checks (one Qovery
   * call each, whatever their number of domains; default 2). At a run a minute, 2 is at most 120
   * of the deployment's Qovery requests an hour, and only while domains are pending.
   */
  checksPerRun: number;
}

export function readDomains(r: EnvReader): DomainsConfig {
  return {
    maxPerProject: r.int('MAX_DOMAINS_PER_PROJECT', 3, 1, 50),
    checksPerRun: r.int('DOMAIN_CHECKS_PER_RUN', 2, 0, 50),
  };
}
