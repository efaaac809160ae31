import type { Logger } from '../../basics/log';
import type { HasuraClient } from '../../platform/hasura/client';
import type { Storage } from '../../platform/storage';
import type { QoveryBudget } from '../budget';
import type { OwnerConsole } from '../console-seat';
import type { Instances } from '../instances';
import type { ProjectStatus } from '../status';

/** What the projects logic needs from the infrastructure (lib/instances/instances implements it). */
export type InstancePort = Pick<
  Instances,
  'provision' | 'deploy' | 'stop' | 'cancelDeployment' | 'destroy' | 'findByName' | 'observe' | 'url'
>;

export interface Caller {
  userId: number;
  deadline: number;
  log: Logger;
}

export interface ProjectStatusAnswer {
  id: number;
  status: ProjectStatus;
  url: string | null;
  /** Why, when the status is ERROR; the position and estimated start when QUEUED: a user-safe sentence. */
  reason: string | null;
}

/** CreateProject's answer: the tutorial's id, name and url (empty until known), and the status. */
export interface CreatedProject {
  id: number;
  name: string;
  url: string;
  status: ProjectStatus;
}

export interface Projects {
  create(name: string, caller: Caller): Promise<CreatedProject>;
  start(id: number, caller: Caller): Promise<{ ok: true }>;
  stop(id: number, caller: Caller): Promise<{ ok: true }>;
  remove(id: number, caller: Caller): Promise<{ ok: true }>;
  status(id: number, caller: Caller): Promise<ProjectStatusAnswer>;
  /** The owner's own password for the instance's console (lib/instances/console-seat). */
  claimConsole(id: number, password: string, caller: Caller): Promise<{ ok: true }>;
}

export interface ProjectsDeps {
  hasura: HasuraClient;
  instances: InstancePort;
  /** One bucket per instance (lib/platform/storage): made at create, removed with the row. */
  storage: Pick<Storage, 'stem' | 'create' | 'remove'>;
  /** The console seat of each instance: taken for its owner once it runs. */
  ownerConsole?: OwnerConsole;
  maxProjectsPerUser: number;
  /** CreateProject and StartProject refuse `email-not-verified` until the owner verified their email. */
  requireEmailVerification: boolean;
  /** Budget of the clean-up after a failed CreateProject, independent of the action's. Default 4 s. */
  cleanupTimeoutMs?: number;
  /**
   * The AppWrite release new instances get (the operator's APPWRITE_VERSION), recorded on the row.
   * Default: lib/instances/blueprint/versions APPWRITE_VERSION.
   */
  appwriteVersion?: string;
  /**
   * The deployment's Qovery budget (lib/instances/budget): each task reserves its cost from it
   * before it begins, and waits in the queue while it has no room. Without it, tasks never wait.
   */
  budget?: Pick<QoveryBudget, 'reserve'>;
  /** The budget (QOVERY_REQUESTS_PER_HOUR), for the estimated starts of queued work. Default 900. */
  requestsPerHour?: number;
  /**
   * One owner's share of it (QOVERY_REQUESTS_PER_OWNER_PER_HOUR): their operations past it wait
   * (lib/instances/queue/store.ts). Without it, no share: only the fair order.
   */
  requestsPerOwnerPerHour?: number;
  /**
   * Qovery requests a create sends (lib/instances/instances provisionCalls: the blueprint's 30, the
   * template clone's 4). Default: the blueprint's.
   */
  createCost?: number;
}
