/**
 * The reconciler: keeps every project's status true without anyone asking, finishes deletions,
 * removes orphans and forgets expired sessions. Run by a schedule (functions/reconcile.ts, every
 * minute by default), by Qovery's webhooks (functions/qovery-webhook.ts) and by `npm start`.
 *
 * One run, inside its deadline:
 * 1. reads every project row (Hasura, one request per 2,000 rows), then
 * 2. every environment's state (Qovery, ONE `GET /project/{id}/environment/status`);
 * 3. decides each row's status (lib/instances/lifecycle.ts) and writes only the rows that changed, in one
 *    request, each write conditional on the status it read;
 * 4. finishes deletions: a DELETING row whose environment Qovery confirms gone is removed (its quota
 *    slot with it); DELETE_ERROR turns it into ERROR; a DELETING row whose environment is not being
 *    deleted gets its deletion asked again (a deployment in the way is cancelled first); and
 *    finishes stops: a STOPPING row whose deployment StopProject cancelled gets its stop;
 * 5. removes orphans: this deployment's environments (by name prefix) that no row references,
 *    older than the grace period (so a CreateProject in flight is never touched);
 * 6. runs the plugged-in steps (`steps`: e.g. finishing a background provisioning);
 * 7. purges expired and long-revoked refresh tokens, and rate-limit counters (sign-in failures
 *    among them) whose window has passed;
 * and writes one summary log line.
 *
 * Rows are read before Qovery is, so an environment absent from the listing existed when its row
 * was read: it is gone. Before a row that is not being deleted is marked "removed outside", its
 * absence is confirmed with its own status call (at most 50 per run), so a short or broken listing
 * never condemns a row. Every write is conditional and every
 * Qovery call idempotent, so runs that overlap, a run racing an action, or a run that dies half-way
 * leave nothing wrong: the next run finishes the job.
 */

import type { Logger } from '../basics/log';
import type { HasuraClient } from '../platform/hasura/client';
import {
  MoveProjects,
  type ProjectMove,
  PurgeExpired,
  type ReconcileRow,
  ReconcileRows,
  RemoveDeletedProjects,
} from '../platform/hasura/documents';
import { type CallOptions, isQoveryError } from '../platform/qovery/client';
import type { Storage } from '../platform/storage';
import type { Instances } from './instances';
import {
  ABANDONED_AFTER_MS,
  type Observed,
  phaseOfObserved,
  reasons,
  type StatusWithReason,
  statusFor,
  withUpgradeReason,
} from './lifecycle';

export type ReconcilerInstances = Pick<
  Instances,
  'observeAll' | 'observe' | 'listOwn' | 'destroy' | 'stop' | 'cancelDeployment'
>;

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
  purgedRefreshRows: number;
  purgedRateLimits: number;
  failures: string[];
  hasuraCalls: number;
  qoveryCalls: number;
  durationMs: number;
}

const PAGE = 2000;
/** Phases are skipped once less than this is left before the deadline. */
const PHASE_RESERVE_MS = 2000;

export interface Reconciler {
  run(options: ReconcileOptions): Promise<ReconcileSummary>;
}

export function createReconciler(deps: ReconcilerDeps): Reconciler {
  const {
    log,
    orphanGraceMs = 15 * 60 * 1000,
    revokedTokenRetentionMs = 24 * 3600 * 1000,
    maxConfirmationsPerRun = 50,
    steps = [],
    now = Date.now,
  } = deps;

  return {
    async run(options) {
      const started = now();
      const { deadline } = options;
      const summary: ReconcileSummary = {
        checked: 0,
        changed: 0,
        deletionsFinished: 0,
        deletionsAskedAgain: 0,
        stopsAsked: 0,
        orphansRemoved: 0,
        purgedRefreshRows: 0,
        purgedRateLimits: 0,
        failures: [],
        hasuraCalls: 0,
        qoveryCalls: 0,
        durationMs: 0,
      };
      // Count every call this run makes.
      const hasura: HasuraClient = {
        request: (doc, variables, o) => {
          summary.hasuraCalls++;
          return deps.hasura.request(doc, variables, o);
        },
      };
      const counted =
        <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
        (...args: A) => {
          summary.qoveryCalls++;
          return call(...args);
        };
      const qovery = {
        observeAll: counted((o: CallOptions) => deps.instances.observeAll(o)),
        observe: counted((id: string, o: CallOptions) => deps.instances.observe(id, o)),
        listOwn: counted((o: CallOptions) => deps.instances.listOwn(o)),
        destroy: counted((id: string, o: CallOptions) => deps.instances.destroy(id, o)),
        stop: counted((id: string, o: CallOptions) => deps.instances.stop(id, o)),
        cancelDeployment: counted((id: string, o: CallOptions) => deps.instances.cancelDeployment(id, o)),
      };
      const isConflict = (error: unknown) => isQoveryError(error, 'conflict');
      const call = { deadline };
      const timeLeft = () => deadline - now() > PHASE_RESERVE_MS;
      const attempt = async (what: string, work: () => Promise<void>) => {
        if (!timeLeft()) {
          summary.failures.push(`${what}: out of time`);
          return;
        }
        try {
          await work();
        } catch (error) {
          summary.failures.push(what);
          log.warn('reconcile.failed', { step: what, error });
        }
      };

      let rows: ReconcileRow[] = [];
      let states: Map<string, Observed> | undefined;
      await attempt('read-projects', async () => {
        for (let after = 0; ; ) {
          const { project } = await hasura.request(ReconcileRows, { after, limit: PAGE }, call);
          rows.push(...project);
          const last = project.at(-1);
          if (project.length < PAGE || !last) break;
          after = last.id;
        }
      });
      if (options.environmentIds)
        rows = rows.filter(
          (row) =>
            row.qovery_environment_id !== null && options.environmentIds?.includes(row.qovery_environment_id),
        );
      summary.checked = rows.length;

      if (summary.failures.length === 0)
        await attempt('qovery-status', async () => {
          states = await qovery.observeAll(call);
        });

      if (states) {
        const known = states;
        await attempt('statuses', () => reconcileStatuses(rows, known));
        if (!options.statusesOnly) await attempt('orphans', () => removeOrphans(rows, known));
        for (const step of steps)
          await attempt(step.name, async () => {
            summary.changed += (await step.run({ rows, states: known, deadline })).changed;
          });
      }
      if (!options.statusesOnly) await attempt('purge', purge);

      summary.durationMs = now() - started;
      log.info('reconcile', { ...summary });
      return summary;

      async function reconcileStatuses(all: ReconcileRow[], known: Map<string, Observed>) {
        const moves = new Map<string, ProjectMove>();
        const move = (row: ReconcileRow, next: StatusWithReason) => {
          if (row.status === next.status && row.status_reason === next.reason) return;
          const key = JSON.stringify([row.status, next.status, next.reason]);
          const group = moves.get(key) ?? { ids: [], from: row.status, ...next };
          group.ids.push(row.id);
          moves.set(key, group);
        };
        const gone: number[] = [];
        const askAgain: string[] = [];
        const stopAgain: string[] = [];
        const absent: ReconcileRow[] = [];

        for (const row of all) {
          if (row.status === 'CREATING') {
            if (now() - Date.parse(row.created_at) > ABANDONED_AFTER_MS)
              move(row, { status: 'ERROR', reason: reasons.creationInterrupted });
            continue;
          }
          const environmentId = row.qovery_environment_id;
          if (environmentId === null) continue; // no instance: ERROR already, or DELETING (orphans)
          const observed = known.get(environmentId);
          // A deletion's absence is what we wait for: trusted as is (were the listing wrong, the
          // environment would show up again and go as an orphan). Any other absence is confirmed.
          if (observed === undefined && row.status === 'DELETING') gone.push(row.id);
          else if (observed === undefined) absent.push(row);
          else decide(row, environmentId, observed);
        }

        // Confirm each absence on its own before acting on it.
        for (const row of absent.slice(0, maxConfirmationsPerRun)) {
          if (!timeLeft()) break;
          const environmentId = row.qovery_environment_id as string;
          decide(row, environmentId, await qovery.observe(environmentId, call));
        }

        function decide(row: ReconcileRow, environmentId: string, observed: Observed) {
          if (row.status === 'STOPPING') {
            // A StopProject asked for this: it cancelled a deployment (or lost a race to one that
            // finished). Stop once Qovery is done with the cancellation; keep STOPPING meanwhile.
            const phase = phaseOfObserved(observed);
            if (phase === 'starting') return;
            if (
              phase === 'running' ||
              observed === 'CANCELED' ||
              (phase === 'failed' && observed !== 'STOP_ERROR')
            )
              return void stopAgain.push(environmentId);
          }
          if (row.status !== 'DELETING')
            return move(row, withUpgradeReason(statusFor(observed, false), row.upgrade_error));
          const phase = phaseOfObserved(observed);
          if (phase === 'gone') gone.push(row.id);
          else if (phase === 'delete-failed') move(row, statusFor(observed, false));
          else if (phase !== 'deleting') askAgain.push(environmentId);
        }
        if (moves.size > 0) {
          const { doc, variables } = MoveProjects([...moves.values()]);
          const result = await hasura.request(doc, variables, call);
          for (const field of Object.values(result)) summary.changed += field?.affected_rows ?? 0;
        }
        await finishDeletions(gone);
        for (const environmentId of new Set(askAgain)) {
          if (!timeLeft()) break;
          try {
            await qovery.destroy(environmentId, call);
          } catch (error) {
            if (!isConflict(error)) throw error;
            // An operation in progress: cancel it if it is a deployment; delete on the next run.
            await qovery.cancelDeployment(environmentId, call);
          }
          summary.deletionsAskedAgain++;
        }
        for (const environmentId of new Set(stopAgain)) {
          if (!timeLeft()) break;
          try {
            await qovery.stop(environmentId, call);
          } catch (error) {
            if (!isConflict(error)) throw error; // still winding down: next run
          }
          summary.stopsAsked++;
        }
      }

      async function removeOrphans(all: ReconcileRow[], known: Map<string, Observed>) {
        const referenced = new Set(all.map((row) => row.qovery_environment_id).filter((id) => id !== null));
        const unknown = [...known.keys()].some((id) => !referenced.has(id));
        const deletingWithoutEnvironment = all.filter(
          (row) => row.status === 'DELETING' && row.qovery_environment_id === null,
        );
        // Names are only needed when the listing holds environments no row knows (or a deletion
        // lost its environment id): otherwise no second Qovery call.
        if (!unknown && deletingWithoutEnvironment.length === 0) return;
        const own = await qovery.listOwn(call);
        const oldEnough = now() - orphanGraceMs;
        for (const environment of own) {
          if (!timeLeft()) break;
          if (referenced.has(environment.id) || environment.createdAt > oldEnough) continue;
          const phase = phaseOfObserved(known.get(environment.id) ?? 'GONE');
          if (phase === 'deleting' || phase === 'gone') continue;
          await qovery.destroy(environment.id, call);
          summary.orphansRemoved++;
        }
        // A DeleteProject that died before it stored the environment it found: done once none is left.
        const stillThere = new Set(own.map((environment) => environment.rowId));
        const finished = deletingWithoutEnvironment
          .filter((row) => !stillThere.has(row.id))
          .map((row) => row.id);
        await finishDeletions(finished);
      }

      /** Buckets first, then the rows (lib/instances/projects.ts removeDeletedProjects, counted). */
      async function finishDeletions(ids: number[]) {
        if (ids.length === 0) return;
        await Promise.all(ids.map((id) => deps.storage.remove(id, call)));
        const { delete_project } = await hasura.request(RemoveDeletedProjects, { ids }, call);
        summary.deletionsFinished += delete_project?.affected_rows ?? 0;
      }

      async function purge() {
        const at = now();
        const result = await hasura.request(
          PurgeExpired,
          {
            now: new Date(at).toISOString(),
            revokedBefore: new Date(at - revokedTokenRetentionMs).toISOString(),
          },
          call,
        );
        summary.purgedRefreshRows = result.delete_refresh_token?.affected_rows ?? 0;
        summary.purgedRateLimits = result.delete_rate_limit?.affected_rows ?? 0;
      }
    },
  };
}
