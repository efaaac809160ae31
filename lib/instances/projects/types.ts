import type { Logger } from '../../basics/log';
import type { HasuraClient } from '../../platform/hasura/client';
import type { Storage } from '../../platform/storage';
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
  /** Why, when the status is ERROR: a user-safe sentence. */
  reason: string | null;
}

export interface Projects {
  create(name: string, caller: Caller): Promise<{ id: number; name: string; url: string }>;
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
}
