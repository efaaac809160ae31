import type { HasuraClient } from '../../platform/hasura/client';
import type { CallOptions } from '../../platform/qovery/client';
import type { ReconcilerDeps, ReconcilerInstances, ReconcileSummary } from './types';

/** Phases are skipped once less than this is left before the deadline. */
const PHASE_RESERVE_MS = 2000;

/**
 * One run: the reconciler's dependencies, with Hasura and Qovery counting every call in the run's
 * summary, and the run's deadline.
 */
export interface Pass extends Omit<ReconcilerDeps, 'hasura' | 'instances' | 'now'> {
  hasura: HasuraClient;
  qovery: ReconcilerInstances;
  summary: ReconcileSummary;
  call: { deadline: number };
  now: () => number;
}

export function startPass(deps: ReconcilerDeps, deadline: number): Pass {
  const { hasura, instances, now = Date.now } = deps;
  const summary: ReconcileSummary = {
    checked: 0,
    changed: 0,
    deletionsFinished: 0,
    deletionsAskedAgain: 0,
    stopsAsked: 0,
    orphansRemoved: 0,
    tasksDone: 0,
    tasksPutBack: 0,
    urlsFilled: 0,
    purgedRefreshRows: 0,
    purgedRateLimits: 0,
    purgedBudgetMinutes: 0,
    failures: [],
    hasuraCalls: 0,
    qoveryCalls: 0,
    durationMs: 0,
  };
  const countedHasura: HasuraClient = {
    request: (doc, variables, o) => {
      summary.hasuraCalls++;
      return hasura.request(doc, variables, o);
    },
  };
  const counted =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    (...args: A) => {
      summary.qoveryCalls++;
      return call(...args);
    };
  const qovery: ReconcilerInstances = {
    observeAll: counted((o: CallOptions) => instances.observeAll(o)),
    observe: counted((id: string, o: CallOptions) => instances.observe(id, o)),
    listOwn: counted((o: CallOptions) => instances.listOwn(o)),
    destroy: counted((id: string, o: CallOptions) => instances.destroy(id, o)),
    stop: counted((id: string, o: CallOptions) => instances.stop(id, o)),
    cancelDeployment: counted((id: string, o: CallOptions) => instances.cancelDeployment(id, o)),
    url: counted((id: string, o: CallOptions) => instances.url(id, o)),
  };
  return { ...deps, now, hasura: countedHasura, qovery, summary, call: { deadline } };
}

/** Whether a phase may still start: enough time left before the deadline. */
export function timeLeft({ call, now }: Pick<Pass, 'call' | 'now'>): boolean {
  return call.deadline - now() > PHASE_RESERVE_MS;
}

/** One phase of the run: skipped when out of time; its failure is noted and the run goes on. */
export async function attempt(pass: Pass, what: string, work: () => Promise<void>): Promise<void> {
  if (!timeLeft(pass)) {
    pass.summary.failures.push(`${what}: out of time`);
    return;
  }
  try {
    await work();
  } catch (error) {
    pass.summary.failures.push(what);
    pass.log.warn('reconcile.failed', { step: what, error });
  }
}
