/**
 * Business metrics as CloudWatch Embedded Metric Format lines: CloudWatch turns them into metrics
 * from the logs, with no API call and no IAM permission. The format is AWS's specification
 * (docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html);
 * one line per metric is all we write, so a dozen lines do what Powertools Metrics did for 18 KB
 * of every bundle (with its commons and invoke store), which had pushed the largest past 150 KB.
 *
 * - `Invocations` per action and outcome (`ok` or the catalogue code): what the actions do;
 * - `UnexpectedFailures` (service only): every `internal-error`, the alarm in serverless.yml;
 * - `QoveryFailures` per kind (`unavailable`, `timeout`, `unauthorized`, ...): the other alarm;
 * - `ProvisionStrategy` per strategy and reason (lib/instances/provision-strategy.ts): clone or blueprint.
 *
 * On AWS the settings plugin sets POWERTOOLS_METRICS_NAMESPACE (`AppWriteCloud/<stage>`, what the
 * alarms watch); without it (npm start, tests) no metric is written.
 */
export const METRICS_SERVICE = 'appwrite-cloud';

/** The metrics namespace (the variable Powertools Metrics reads, kept): the settings plugin sets it on AWS (AppWriteCloud/<stage>). */
export const METRICS_NAMESPACE_VARIABLE = 'POWERTOOLS_METRICS_NAMESPACE';

export interface ActionMetrics {
  invocation(action: string, outcome: string, error?: unknown): void;
  /** One more of `name`, with these dimensions. */
  count(name: string, dimensions: Record<string, string>): void;
}

export function createMetrics(namespace: string | undefined): ActionMetrics | undefined {
  if (!namespace) return undefined;
  const one = (name: string, dimensions: Record<string, string>) => {
    const values = { service: METRICS_SERVICE, ...dimensions };
    const line = {
      _aws: {
        Timestamp: Date.now(),
        CloudWatchMetrics: [
          {
            Namespace: namespace,
            Dimensions: [Object.keys(values)],
            Metrics: [{ Name: name, Unit: 'Count' }],
          },
        ],
      },
      ...values,
      [name]: 1,
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  };
  return {
    invocation(action, outcome, error) {
      one('Invocations', { action, outcome });
      if (outcome === 'internal-error') one('UnexpectedFailures', {});
      const kind = qoveryFailureKind(error);
      if (kind !== undefined) one('QoveryFailures', { kind });
    },
    count: one,
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
