import type { Logger } from '../../basics/log';
import type { HasuraClient } from '../../platform/hasura/client';
import type { ReconcileRow } from '../../platform/hasura/documents';
import type { Storage } from '../../platform/storage';
import type { Instances } from '../instances';
import type { Observed } from '../lifecycle';

export type ReconcilerInstances = Pick<
  Instances,
  'observeAll' | 'observe' | 'listOwn' | 'destroy' | 'stop' | 'cancelDeployment' | 'url'
>;

/** The queue's worker (lib/instances/queue work), run before the other phases. */
export type ReconcileWorker = (options: { deadline: number }) => Promise<{ done: number; putBack: number }>;

/**
 * A step plugged into every run, after statuses are decided (e.g. the last stage of a provisioning
 * done in the background). It sees every row with what Qovery says of it, and reports what it did.
 */
export interface ReconcileStep {
  name: string;
  run(context: StepContext): Promise<{ changed: number }>;
}

export interface StepContext {
  rows: readonly ReconcileRow[];
  /** Qovery's state of each environment (absent: not listed). */
  states: ReadonlyMap<string, Observed>;
  deadline: number;
}

export interface ReconcilerDeps {
  hasura: HasuraClient;
  instances: ReconcilerInstances;
  /** Each instance's bucket goes with its row, once Qovery confirmed the environment deleted. */
  storage: Pick<Storage, 'remove'>;
  log: Logger;
  /** An environment of ours with no row is removed only once older than this. Default 15 min. */
  orphanGraceMs?: number;
  /** Revoked refresh tokens are kept this long to catch the reuse of a rotated one. Default 1 day. */
  revokedTokenRetentionMs?: number;
  /** At most this many absences confirmed one by one per run (the rest next run). Default 50. */
  maxConfirmationsPerRun?: number;
  steps?: readonly ReconcileStep[];
  /** Carries out the queue of instance work within the budget, first in every scheduled run. */
  worker?: ReconcileWorker;
  /** At most this many urls Qovery named late are fetched per run. Default 10. */
  maxUrlsPerRun?: number;
  now?: () => number;
}

export interface ReconcileOptions {
  deadline: number;
  /** Only these environments' rows (a webhook that named one); every row when absent. */
  environmentIds?: readonly string[];
  /** Skip orphans and the purge (a webhook run: statuses only). */
  statusesOnly?: boolean;
}

export interface ReconcileSummary {
  checked: number;
  changed: number;
  deletionsFinished: number;
  deletionsAskedAgain: number;
  /** Stops asked for projects whose StopProject cancelled a deployment (or lost a race to it). */
  stopsAsked: number;
  orphansRemoved: number;
  /** Queued tasks the worker ran to an end, and those it put back for later. */
  tasksDone: number;
  tasksPutBack: number;
  /** Urls Qovery named after the create, written on their rows. */
  urlsFilled: number;
  purgedRefreshRows: number;
  purgedRateLimits: number;
  purgedBudgetMinutes: number;
  failures: string[];
  hasuraCalls: number;
  qoveryCalls: number;
  durationMs: number;
}

export interface Reconciler {
  run(options: ReconcileOptions): Promise<ReconcileSummary>;
}
