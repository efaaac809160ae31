/**
 * AppWrite instances owned by users: one file per action (CreateProject, StartProject, StopProject,
 * DeleteProject, ProjectStatus, ClaimConsole), each a function of the dependencies it is given.
 * Create, start, stop and delete go through the queue (lib/instances/queue): they answer at once,
 * having done the work within the call when it fits the Qovery budget now, else with the project
 * QUEUED; ProjectStatus reads the row only.
 * Every lookup is filtered by owner, so another user's project answers exactly like one that does
 * not exist: `not-found`. Each action's result for each status and each Qovery state is the table
 * of docs/lifecycle.md.
 */
import { isQoveryError, toAppError } from '../../platform/qovery/client';
import { claimConsole } from './claim-console';
import { createProject } from './create';
import { removeProject } from './remove';
import { startProject } from './start';
import { projectStatus } from './status';
import { stopProject } from './stop';
import type { InstancePort, Projects, ProjectsDeps } from './types';

export type {
  Caller,
  CreatedProject,
  InstancePort,
  ProjectStatusAnswer,
  Projects,
  ProjectsDeps,
} from './types';

/** The actions on the given dependencies. */
export function createProjects(deps: ProjectsDeps): Projects {
  /** An operation on these dependencies; Qovery's failures become catalogue errors (details in `cause`). */
  const action =
    <A extends unknown[], R>(operation: (deps: ProjectsDeps, ...args: A) => Promise<R>) =>
    (...args: A) =>
      operation(deps, ...args).catch(mapped);
  return {
    create: action(createProject),
    start: action(startProject),
    stop: action(stopProject),
    remove: action(removeProject),
    status: action(projectStatus),
    claimConsole: action(claimConsole),
  };
}

/** What DeleteProject's path needs: the instances without provisioning (no blueprint in a bundle). */
export type RemovalDeps = Omit<ProjectsDeps, 'instances' | 'ownerConsole'> & {
  instances: Omit<InstancePort, 'provision'>;
};

/** Qovery's failures become catalogue errors (details in `cause`), as in createProjects. */
const mapped = (error: unknown): never => {
  throw isQoveryError(error) ? toAppError(error) : error;
};

/**
 * DeleteProject's path alone, for DeleteAccount: its bundle then carries neither CreateProject nor
 * the blueprint (lib/runtime/index.ts). Same error mapping as createProjects.
 */
export function createProjectRemoval(deps: RemovalDeps): Pick<Projects, 'remove'> {
  // removeProject never provisions: the instances it is given cannot.
  const full = deps as ProjectsDeps;
  return { remove: (id, caller) => removeProject(full, id, caller).catch(mapped) };
}

/**
 * ClaimConsole alone, on instances that cannot provision and the console seat: its bundle carries
 * neither CreateProject nor the blueprint, and the other project actions carry no console seat.
 */
export function createConsoleClaim(
  deps: RemovalDeps & Required<Pick<ProjectsDeps, 'ownerConsole'>>,
): Pick<Projects, 'claimConsole'> {
  // claimConsole never provisions: the instances it is given cannot.
  const full = deps as ProjectsDeps;
  return { claimConsole: (id, password, caller) => claimConsole(full, id, password, caller).catch(mapped) };
}
