import { AppError } from './errors';
import type { HasuraClient } from './hasura/client';
import {
  ClaimProjectSlot,
  FindOwnProject,
  type ProjectRow,
  ProjectSlots,
  RemoveProject,
  SaveProvisionedProject,
  UpdateProject,
} from './hasura/documents';
import type { Logger } from './log';
import type { ProjectStatus } from './project-status';
import { isQoveryError, toAppError } from './qovery/client';
import type { Instances } from './qovery/instances';

export type { ProjectStatus };

/** What the projects logic needs from the infrastructure (lib/qovery/instances implements it). */
export type InstancePort = Pick<
  Instances,
  'provision' | 'deploy' | 'stop' | 'destroy' | 'destroyByName' | 'status' | 'url'
>;

/**
 * A CreateProject answers within 30 s or dies with its Lambda. A row still CREATING after this
 * long was left behind by one that died: it may be deleted, and its status is ERROR.
 */
export const ABANDONED_AFTER_MS = 2 * 60 * 1000;

export interface Caller {
  userId: number;
  deadline: number;
  log: Logger;
}

export interface Projects {
  create(name: string, caller: Caller): Promise<{ id: number; name: string; url: string }>;
  start(id: number, caller: Caller): Promise<{ ok: true }>;
  stop(id: number, caller: Caller): Promise<{ ok: true }>;
  remove(id: number, caller: Caller): Promise<{ ok: true }>;
  status(id: number, caller: Caller): Promise<{ id: number; status: ProjectStatus; url: string | null }>;
}

export interface ProjectsDeps {
  hasura: HasuraClient;
  instances: InstancePort;
  maxProjectsPerUser: number;
  /** Budget of the clean-up after a failed CreateProject, independent of the action's. */
  cleanupTimeoutMs?: number;
}

type ReadyRow = ProjectRow & { qovery_environment_id: string; qovery_appwrite_id: string };

/** Where start (resp. stop) would take an instance: already there (or on its way) means done. */
const STARTED: readonly ProjectStatus[] = ['STARTING', 'RUNNING'];
const STOPPED: readonly ProjectStatus[] = ['STOPPING', 'STOPPED'];

/**
 * AppWrite instances owned by users. Every lookup is filtered by owner, so another user's project
 * answers exactly like one that does not exist: `not-found`.
 */
export function createProjects({
  hasura,
  instances: port,
  maxProjectsPerUser,
  cleanupTimeoutMs = 4000,
}: ProjectsDeps): Projects {
  const instances = withCatalogueErrors(port);

  async function find(id: number, { userId, deadline }: Caller): Promise<ProjectRow> {
    const { project } = await hasura.request(FindOwnProject, { id, ownerId: userId }, { deadline });
    const row = project[0];
    if (!row) throw new AppError('not-found');
    return row;
  }

  /** The caller's project, once its instance exists and no deletion is under way. */
  async function findReady(id: number, caller: Caller): Promise<ReadyRow> {
    const row = await find(id, caller);
    if (row.status === 'DELETING' || row.qovery_environment_id === null || row.qovery_appwrite_id === null)
      throw new AppError('project-busy');
    return row as ReadyRow;
  }

  const update = (id: number, set: { status?: ProjectStatus; url?: string }, deadline: number) =>
    hasura.request(UpdateProject, { id, set }, { deadline });

  /** Takes one of the user's quota slots; the unique (owner_id, slot) makes it hold under concurrency. */
  async function claimSlot(name: string, { userId, deadline }: Caller): Promise<number> {
    const { project } = await hasura.request(ProjectSlots, { ownerId: userId }, { deadline });
    const used = new Set(project.map((p) => p.slot));
    for (let slot = 1; slot <= maxProjectsPerUser; slot++) {
      if (used.has(slot)) continue;
      const claimed = await hasura.request(ClaimProjectSlot, { ownerId: userId, slot, name }, { deadline });
      if (claimed.insert_project_one) return claimed.insert_project_one.id;
    }
    throw new AppError('quota-exceeded', {
      message: `You have reached the maximum of ${maxProjectsPerUser} projects. Delete one to create another.`,
      details: { limit: maxProjectsPerUser },
    });
  }

  /** Removes what a failed CreateProject made: the Qovery environment, then the row. */
  async function undoCreate(id: number, environmentId: string | undefined, log: Logger) {
    const deadline = Date.now() + cleanupTimeoutMs;
    try {
      if (environmentId !== undefined) await instances.destroy(environmentId, { deadline });
      await hasura.request(RemoveProject, { id }, { deadline });
      log.info('rolled back a failed CreateProject', { projectId: id, environmentId });
    } catch (error) {
      log.error('could not roll back a failed CreateProject', { projectId: id, environmentId, error });
    }
  }

  /** Starts or stops: a no-op when Qovery says the instance is already there or on its way. */
  async function move(id: number, caller: Caller, target: 'start' | 'stop') {
    const row = await findReady(id, caller);
    const environmentId = row.qovery_environment_id;
    const [already, transition] =
      target === 'start' ? ([STARTED, 'STARTING'] as const) : ([STOPPED, 'STOPPING'] as const);
    const current = await instances.status(environmentId, caller);
    if (already.includes(current)) {
      if (current !== row.status) await update(id, { status: current }, caller.deadline);
      return { ok: true as const };
    }
    await (target === 'start'
      ? instances.deploy(environmentId, caller)
      : instances.stop(environmentId, caller));
    await update(id, { status: transition }, caller.deadline);
    return { ok: true as const };
  }

  return {
    async create(name, caller) {
      const { deadline, log } = caller;
      const id = await claimSlot(name, caller);
      let environmentId: string | undefined;
      try {
        // Keep the clean-up's time inside the action's budget.
        const instance = await instances.provision(id, { deadline: deadline - cleanupTimeoutMs });
        environmentId = instance.environmentId;
        await hasura.request(
          SaveProvisionedProject,
          {
            id,
            set: {
              status: 'STOPPED',
              url: instance.url,
              qovery_environment_id: instance.environmentId,
              qovery_appwrite_id: instance.appwriteId,
              qovery_mariadb_id: instance.mariadbId,
              qovery_redis_id: instance.redisId,
            },
          },
          { deadline },
        );
        // Qovery names the domain when the service is created; an empty URL is filled in later
        // by ProjectStatus if it ever lags behind.
        return { id, name, url: instance.url ?? '' };
      } catch (error) {
        // Leave nothing behind: neither an environment on Qovery nor a row without an instance.
        await undoCreate(id, environmentId, log);
        throw error;
      }
    },

    start: (id, caller) => move(id, caller, 'start'),
    stop: (id, caller) => move(id, caller, 'stop'),

    async remove(id, caller) {
      const row = await find(id, caller);
      const environmentId = row.qovery_environment_id;
      if (environmentId === null && row.status === 'CREATING' && !abandoned(row))
        throw new AppError('project-busy');
      if (row.status !== 'DELETING') await update(id, { status: 'DELETING' }, caller.deadline);
      // Already gone on Qovery counts as deleted. A row left behind by a CreateProject that died
      // never got its environment id: its environment, if any, is found by name.
      if (environmentId !== null) await instances.destroy(environmentId, caller);
      else await instances.destroyByName(id, caller);
      await hasura.request(RemoveProject, { id }, { deadline: caller.deadline });
      return { ok: true };
    },

    async status(id, caller) {
      const row = await find(id, caller);
      if (
        row.qovery_environment_id === null ||
        row.qovery_appwrite_id === null ||
        row.status === 'DELETING'
      ) {
        // Nothing to ask Qovery yet (or any more): the row says it all.
        return { id, status: abandoned(row) ? 'ERROR' : row.status, url: row.url };
      }
      const [status, url] = await Promise.all([
        instances.status(row.qovery_environment_id, caller),
        row.url ? row.url : instances.url(row.qovery_appwrite_id, caller),
      ]);
      const changes = { ...(status !== row.status && { status }), ...(url && url !== row.url && { url }) };
      if (Object.keys(changes).length > 0) await update(id, changes, caller.deadline);
      return { id, status, url };
    },
  };
}

function abandoned(row: ProjectRow): boolean {
  return row.status === 'CREATING' && Date.now() - Date.parse(row.created_at) > ABANDONED_AFTER_MS;
}

/** Qovery's failures become catalogue errors (their details stay in `cause`, for the logs). */
function withCatalogueErrors(port: InstancePort): InstancePort {
  const wrap =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    (...args: A) =>
      call(...args).catch((error: unknown) => {
        throw isQoveryError(error) ? toAppError(error) : error;
      });
  return {
    provision: wrap(port.provision),
    deploy: wrap(port.deploy),
    stop: wrap(port.stop),
    destroy: wrap(port.destroy),
    destroyByName: wrap(port.destroyByName),
    status: wrap(port.status),
    url: wrap(port.url),
  };
}
