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
      endpoint: r.url('HASURA_GRAPHQL_ENDPOINT'),
      adminSecret: r.secret('HASURA_GRAPHQL_ADMIN_SECRET', 8),
      timeoutMs: r.int('HASURA_TIMEOUT_MS', 5000, 100, 25000),
    },
    logLevel: r.oneOf('LOG_LEVEL', logLevels, 'info'),
    metricsNamespace: r.optional(METRICS_NAMESPACE_VARIABLE),
  };
}
