import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/**
 * Business metrics as CloudWatch Embedded Metric Format lines (Powertools Metrics): CloudWatch
 * turns them into metrics from the logs, with no API call and no IAM permission.
 *
 * - `Invocations` per action and outcome (`ok` or the catalogue code): what the actions do;
 * - `UnexpectedFailures` (service only): every `internal-error`, the alarm in serverless.yml;
 * - `QoveryFailures` per kind (`unavailable`, `timeout`, `unauthorized`, ...): the other alarm.
 *
 * On AWS the settings plugin sets POWERTOOLS_METRICS_NAMESPACE (`AppWriteCloud/<stage>`, what the
 * alarms watch); without it (npm start, tests) no metric is written.
 */
export const METRICS_SERVICE = 'appwrite-cloud';

export interface ActionMetrics {
  invocation(action: string, outcome: string, error?: unknown): void;
}

export function createMetrics(namespace: string | undefined): ActionMetrics | undefined {
  if (!namespace) return undefined;
  const metrics = new Metrics({ namespace, serviceName: METRICS_SERVICE });
  const one = (name: string, dimensions: Record<string, string>) => {
    const single = metrics.singleMetric();
    single.addDimensions(dimensions);
    single.addMetric(name, MetricUnit.Count, 1);
  };
  return {
    invocation(action, outcome, error) {
      metrics.addDimensions({ action, outcome });
      metrics.addMetric('Invocations', MetricUnit.Count, 1);
      metrics.publishStoredMetrics();
      if (outcome === 'internal-error') one('UnexpectedFailures', {});
      const kind = qoveryFailureKind(error);
      if (kind !== undefined) one('QoveryFailures', { kind });
    },
  };
}

/** The kind of the Qovery failure behind an error, if any (QoveryError, directly or as a cause). */
export function qoveryFailureKind(error: unknown): string | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const kind = (e as { kind?: unknown }).kind;
    if (e.name === 'QoveryError' && typeof kind === 'string') return kind;
  }
  return undefined;
}
