import { type LogLevel, logLevels } from '../basics/log';
import { METRICS_NAMESPACE_VARIABLE } from '../basics/metrics';
import type { EnvReader } from '../basics/settings';

/**
 * What every function needs, whatever its domain: Hasura's API, a log level, where metrics go.
 * Only the wiring uses the three together (lib/runtime/index.ts builds each function's Hasura
 * client, logger and metrics from them), so the section is declared here, beside it.
 */
export interface CoreConfig {
  hasura: { endpoint: string; adminSecret: string; timeoutMs: number };
  logLevel: LogLevel;
  /** CloudWatch namespace of the EMF metrics; set on AWS by the settings plugin, absent locally. */
  metricsNamespace?: string;
}

export function readCore(r: EnvReader): CoreConfig {
  return {
    hasura: {
      /**
       * HASURA_GRAPHQL_ENDPOINT: Hasura's GraphQL endpoint, which every function reads and writes the
       * database through with the admin secret.
       * @example https://hasura.example.com/v1/graphql
       */
      endpoint: r.url('HASURA_GRAPHQL_ENDPOINT'),
      /**
       * HASURA_GRAPHQL_ADMIN_SECRET: Hasura's admin secret (the same value as in Hasura's own environment):
       * the functions' access to the database, past every permission. At least 8 characters.
       */
      adminSecret: r.secret('HASURA_GRAPHQL_ADMIN_SECRET', 8),
      /**
       * HASURA_TIMEOUT_MS: Time one request to Hasura may take, cut to what is left of the action's budget.
       */
      timeoutMs: r.int('HASURA_TIMEOUT_MS', 5000, 100, 25000),
    },
    /** LOG_LEVEL: The lowest level of the JSON log lines written (CloudWatch on AWS); silent writes none. */
    logLevel: r.oneOf('LOG_LEVEL', logLevels, 'info'),
    /**
     * POWERTOOLS_METRICS_NAMESPACE: CloudWatch namespace of the functions' EMF metrics. Set on AWS by the
     * packaging (plugins/settings-plugin.ts), not by hand; absent locally, where no metrics are written.
     */
    metricsNamespace: r.optional(METRICS_NAMESPACE_VARIABLE),
  };
}
