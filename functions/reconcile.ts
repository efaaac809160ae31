import type { ScheduledEvent } from 'aws-lambda';
import { lambdaHandler, reconcileRuntime } from '../lib/runtime';

/** Time kept after the run for the summary log line and Lambda's own bookkeeping. */
const MARGIN_MS = 3000;

/**
 * The scheduled reconciler (serverless.yml: every minute by default). One run reads every project
 * and every environment's state, writes what changed, finishes deletions, removes orphans and purges
 * expired sessions, within the function's time (lib/instances/reconciler/). Runs may overlap: each is safe.
 */
export const handler = lambdaHandler(
  reconcileRuntime,
  async ({ reconciler }, _event: ScheduledEvent, context) => {
    const summary = await reconciler.run({
      deadline: Date.now() + context.getRemainingTimeInMillis() - MARGIN_MS,
    });
    return { failures: summary.failures.length, changed: summary.changed };
  },
);
