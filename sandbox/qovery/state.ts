/**
 * The stand-in's state: every record it keeps (what a test inspects through `standIn.state`, what
 * persistence.ts writes to disk) and the look-ups every resource shares.
 */
import type {
  ContainerResponse,
  Database,
  DeploymentStageResponse,
  Environment,
  JobResponse,
  Link,
  StateEnum,
} from 'qovery-typescript-axios';
import { HttpProblem } from './reply';

export interface StoredVariable {
  id: string;
  value: string;
  isSecret: boolean;
}

export interface EnvironmentRecord {
  resource: Environment;
  /** Mutable: tests may set any state directly. */
  state: StateEnum;
  lastDeploymentState: StateEnum;
  lastDeploymentDate: string | null;
  lastDeploymentId: string | null;
  /** ENVIRONMENT-scoped variables. */
  variables: Map<string, StoredVariable>;
  /** Why the last deployment failed (DEPLOYMENT_ERROR), one line per problem; empty otherwise. */
  deploymentProblems: string[];
}

export interface ContainerRecord {
  kind: 'CONTAINER';
  environmentId: string;
  resource: ContainerResponse;
  variables: Map<string, StoredVariable>;
  /** File variables, by mount path. */
  files: Map<string, StoredVariable & { key: string }>;
}

export interface DatabaseRecord {
  kind: 'DATABASE';
  environmentId: string;
  resource: Database;
  password: string;
}

export type ServiceRecord = ContainerRecord | DatabaseRecord;

/** One run of a lifecycle job, in a deployment: what a test checks ("migrate ran once, with 1.9.6"). */
export interface JobRun {
  deploymentId: string;
  image: string;
  entrypoint: string | null;
  arguments: string[];
  ok: boolean;
}

export interface JobRecord {
  environmentId: string;
  resource: JobResponse;
  /** JOB-scoped variables (the stand-in takes none through its API yet). */
  variables: Map<string, StoredVariable>;
  state: StateEnum;
  lastDeploymentDate: string | null;
  deploymentRequestId: string | null;
  /** Whether it took part in its environment's last deployment. */
  inLastDeployment: boolean;
  runs: JobRun[];
}

export interface StageRecord {
  environmentId: string;
  resource: DeploymentStageResponse;
  /** Ids of the services (containers, databases, jobs) in this stage. */
  serviceIds: string[];
}

export interface StandInState {
  projects: Set<string>;
  /** Ids of the container registries linked in the organization. */
  registries: Set<string>;
  environments: Map<string, EnvironmentRecord>;
  services: Map<string, ServiceRecord>;
  /** Public links by container id. */
  links: Map<string, Link[]>;
  /** Jobs, by id. */
  jobs: Map<string, JobRecord>;
  /** Deployment stages, by id. */
  stages: Map<string, StageRecord>;
}

export function emptyState(projectIds: string[], registryIds: string[]): StandInState {
  return {
    projects: new Set(projectIds),
    registries: new Set(registryIds),
    environments: new Map(),
    services: new Map(),
    links: new Map(),
    jobs: new Map(),
    stages: new Map(),
  };
}

export function environmentById(state: StandInState, id: string): EnvironmentRecord {
  const record = state.environments.get(id);
  if (!record) throw new HttpProblem(404, 'Environment not found');
  return record;
}

export function containerById(state: StandInState, id: string): ContainerRecord {
  const record = state.services.get(id);
  if (record?.kind !== 'CONTAINER') throw new HttpProblem(404, 'Container not found');
  return record;
}

export function jobById(state: StandInState, id: string): JobRecord {
  const record = state.jobs.get(id);
  if (!record) throw new HttpProblem(404, 'Job not found');
  return record;
}

/** An environment's containers and databases. */
export function servicesOf(state: StandInState, environmentId: string): ServiceRecord[] {
  return [...state.services.values()].filter((service) => service.environmentId === environmentId);
}

export function jobsOf(state: StandInState, environmentId: string): JobRecord[] {
  return [...state.jobs.values()].filter((job) => job.environmentId === environmentId);
}

/** Refuses a change to an environment on its way out. */
export function writable(record: EnvironmentRecord): void {
  if (record.state === 'DELETE_QUEUED' || record.state === 'DELETING') {
    throw new HttpProblem(409, 'Environment is being deleted');
  }
}

export function uniqueServiceName(state: StandInState, environmentId: string, name: string): void {
  if (servicesOf(state, environmentId).some((s) => s.resource.name.toLowerCase() === name.toLowerCase())) {
    throw new HttpProblem(409, 'Service name within the environment is already taken');
  }
}
