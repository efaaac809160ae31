/**
 * A LOCAL STAND-IN for the part of Qovery's REST API that AppWrite Cloud uses: for local runs and
 * tests only; production talks to https://api.qovery.com. See README.md beside this file.
 *
 * It keeps its state in memory, answers with the shapes of Qovery's published types, moves
 * environments through Qovery's states over time, and lets a test inject a fault at any call.
 */
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  CloneEnvironmentRequest,
  ContainerRequest,
  ContainerResponse,
  CreateEnvironmentRequest,
  Database,
  DatabaseRequest,
  DeployAllRequest,
  DeploymentStageRequest,
  DeploymentStageResponse,
  Environment,
  EnvironmentModeEnum,
  EnvironmentStatus,
  JobRequest,
  JobResponse,
  Link,
  ReferenceObjectStatus,
  StateEnum,
  Status,
  VariableImport,
  VariableImportRequest,
  VariableRequest,
  VariableResponse,
} from 'qovery-typescript-axios';
import { type InventoryService, inventory } from '../../lib/instances/blueprint/inventory';
import { qoveryContract } from './contract';
import { loadState, saveState } from './persistence';
import { type ContractViolation, recordViolation, takeViolations } from './violations';

export interface StandInOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** The API token callers must send as `Authorization: Token <token>`. */
  token: string;
  /** Time per state transition in ms (default 1500; tests use ~20-50). */
  stepMs?: number;
  /** Projects that exist. Default: one project with a random id. */
  projectIds?: string[];
  /** Container registries linked in the organization. Default: one Docker Hub, LOCAL_REGISTRY_ID. */
  registryIds?: string[];
  /**
   * Check every request and answer against Qovery's OpenAPI document (default true). A request
   * that breaks it is refused with 400, as Qovery would; every violation goes to `onViolation`.
   */
  contract?: boolean;
  /**
   * Where violations go. Default: the process-wide list that tests/setup-contract.ts turns into a
   * failure of the test that caused them.
   */
  onViolation?: (violation: ContractViolation) => void;
  /**
   * Keep the state in this JSON file across restarts (`npm start`: `.local/qovery/state.json`):
   * loaded at start, written after every change. In memory only when absent (tests).
   */
  stateFile?: string;
}

export interface Fault {
  /** HTTP method to match (any when absent). */
  method?: string;
  /** Exact path (without query) or a pattern tested against it. */
  path: string | RegExp;
  /** Further narrows the match, e.g. on the request body. */
  when?: (request: { method: string; path: string; body: unknown }) => boolean;
  /** Answer with this status (and `body`, default `{status, detail}`). */
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Wait this long first (a slow Qovery). */
  delayMs?: number;
  /** Destroy the socket instead of answering (a connection error). */
  drop?: boolean;
  /** How many matching calls it affects (default 1; Infinity for all). */
  times?: number;
  /**
   * Process the request normally first, then fault the answer: a lost or replaced response
   * after the change happened. Default false: the request is not processed.
   */
  after?: boolean;
}

export interface RecordedCall {
  method: string;
  path: string;
  query: string;
  /** The parsed JSON body. Holds secrets (passwords in imports): keep it in memory only. */
  body: unknown;
  /** The status answered, or 'dropped'; undefined while in flight. */
  status?: number | 'dropped';
}

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

export interface QoveryStandIn {
  url: string;
  state: StandInState;
  calls: RecordedCall[];
  faults: { inject(fault: Fault): void; clear(): void; readonly pending: number };
  /**
   * A container's variables as Qovery would inject them: BUILT_IN, environment and container
   * variables, with `{{NAME}}` interpolations resolved; `missing` lists unknown references.
   */
  resolveVariables(containerId: string): { values: Record<string, string>; missing: string[] };
  /**
   * Every state an environment entered through a transition, in order: what a test checks instead
   * of polling, which misses short states on a busy machine.
   */
  stateHistory(environmentId: string): StateEnum[];
  /** Removes and returns this stand-in's contract violations (for tests that cause them on purpose). */
  takeViolations(): ContractViolation[];
  /**
   * The next run of this job fails (the migration broke): its deployment ends DEPLOYMENT_ERROR,
   * as a failed lifecycle job fails Qovery's deployment.
   */
  failNextRun(jobId: string, reason?: string): void;
  close(): Promise<void>;
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(detail);
  }
}

const ORGANIZATION_ID = '00000000-0000-4000-8000-00000000000a';
/** The Docker Hub registry a stand-in has linked in its organization unless told otherwise. */
export const LOCAL_REGISTRY_ID = '00000000-0000-4000-8000-0000000d0c4e';
const DEFAULT_CLUSTER_ID = '00000000-0000-4000-8000-0000000000c1';
const DOCKER_HUB = { id: '', name: 'Docker Hub', url: 'https://docker.io', kind: 'DOCKER_HUB' } as const;
/** States in which a deployment (or restart) can be cancelled. */
const CANCELLABLE = new Set<StateEnum>([
  'QUEUED',
  'BUILDING',
  'DEPLOYMENT_QUEUED',
  'WAITING_RUNNING',
  'DEPLOYING',
  'EXECUTING',
  'RESTART_QUEUED',
  'WAITING_RESTARTING',
  'RESTARTING',
]);
/** States of an operation under way: a cancellable deployment, a stop, a cancel or a delete. */
const IN_PROGRESS = new Set<StateEnum>([
  ...CANCELLABLE,
  'STOP_QUEUED',
  'WAITING_STOPPING',
  'STOPPING',
  'CANCELING',
  'DELETE_QUEUED',
  'WAITING_DELETING',
  'DELETING',
]);
/** Qovery's default deployment stages of an environment, in order (services go by type). */
const DEFAULT_STAGES = ['DATABASE DEFAULT', 'JOB DEFAULT', 'CONTAINER DEFAULT'] as const;
const DATABASE_PORTS: Record<string, number> = { REDIS: 6379, MYSQL: 3306, POSTGRESQL: 5432, MONGODB: 27017 };

export async function startQoveryStandIn(options: StandInOptions): Promise<QoveryStandIn> {
  const { token, stepMs = 1500, port = 0, onViolation = recordViolation } = options;
  const contract = options.contract === false ? undefined : qoveryContract();
  let selfUrl = '';
  const expectedAuth = Buffer.from(`Token ${token}`);
  const state: StandInState = {
    projects: new Set(options.projectIds ?? [randomUUID()]),
    registries: new Set(options.registryIds ?? [LOCAL_REGISTRY_ID]),
    environments: new Map(),
    services: new Map(),
    links: new Map(),
    jobs: new Map(),
    stages: new Map(),
  };
  const failingRuns = new Map<string, string>();
  const calls: RecordedCall[] = [];
  let faults: (Fault & { remaining: number })[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const transitions = new Map<string, NodeJS.Timeout>();
  const histories = new Map<string, StateEnum[]>();
  const { stateFile } = options;
  if (stateFile) loadState(stateFile, state);
  const persist = () => {
    if (stateFile) saveState(stateFile, state);
  };

  const later = (ms: number, fn: () => void): NodeJS.Timeout => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
    return timer;
  };
  const wait = (ms: number) => new Promise<void>((resolve) => later(ms, resolve));
  const now = () => new Date().toISOString();
  /** What Qovery answers alike for a container and a job: identity, environment, resources. */
  const serviceBase = (
    id: string,
    environmentId: string,
    body: { name: string; description?: string; cpu?: number; memory?: number; gpu?: number },
  ) => ({
    id,
    created_at: now(),
    environment: { id: environmentId },
    maximum_cpu: 4000,
    maximum_memory: 8192,
    maximum_gpu: 0,
    name: body.name,
    ...(body.description === undefined ? {} : { description: body.description }),
    cpu: body.cpu ?? 500,
    memory: body.memory ?? 512,
    gpu: body.gpu ?? 0,
  });

  // -------------------------------------------------------------------------------------------
  // State helpers.

  function environment(id: string): EnvironmentRecord {
    const record = state.environments.get(id);
    if (!record) throw new HttpProblem(404, 'Environment not found');
    return record;
  }

  function container(id: string): ContainerRecord {
    const record = state.services.get(id);
    if (record?.kind !== 'CONTAINER') throw new HttpProblem(404, 'Container not found');
    return record;
  }

  function servicesOf(environmentId: string): ServiceRecord[] {
    return [...state.services.values()].filter((service) => service.environmentId === environmentId);
  }

  function writable(record: EnvironmentRecord): void {
    if (record.state === 'DELETE_QUEUED' || record.state === 'DELETING') {
      throw new HttpProblem(409, 'Environment is being deleted');
    }
  }

  function uniqueServiceName(environmentId: string, name: string): void {
    if (servicesOf(environmentId).some((s) => s.resource.name.toLowerCase() === name.toLowerCase())) {
      throw new HttpProblem(409, 'Service name within the environment is already taken');
    }
  }

  function uniqueEnvironmentName(projectId: string, name: string): void {
    for (const env of state.environments.values()) {
      if (env.resource.project.id === projectId && env.resource.name.toLowerCase() === name.toLowerCase()) {
        throw new HttpProblem(409, 'Environment name within the project is already taken');
      }
    }
  }

  /** Moves an environment through `steps`, one per stepMs; `done` runs after the last. */
  function transition(
    record: EnvironmentRecord,
    steps: StateEnum[],
    done?: () => void,
    onLast?: () => void,
  ): void {
    const id = record.resource.id;
    const previous = transitions.get(id);
    if (previous) {
      clearTimeout(previous);
      timers.delete(previous);
    }
    let index = 0;
    const apply = () => {
      const step = steps[index];
      if (step) {
        record.state = step;
        record.lastDeploymentState = step;
        histories.set(id, [...(histories.get(id) ?? []), step]);
        if (index === steps.length - 1) onLast?.();
        persist();
      }
      index++;
      if (index < steps.length) transitions.set(id, later(stepMs, apply));
      else if (done) transitions.set(id, later(stepMs, finish));
      else transitions.delete(id);
    };
    const finish = () => {
      transitions.delete(id);
      done?.();
      persist();
    };
    apply();
  }

  function newEnvironment(projectId: string, name: string, mode: EnvironmentModeEnum, clusterId?: string) {
    const id = randomUUID();
    const record: EnvironmentRecord = {
      resource: {
        id,
        created_at: now(),
        name,
        organization: { id: ORGANIZATION_ID },
        project: { id: projectId },
        cloud_provider: { provider: 'AWS', cluster: 'eu-west-3' },
        mode,
        cluster_id: clusterId ?? DEFAULT_CLUSTER_ID,
        cluster_name: 'stand-in',
      },
      state: 'READY',
      lastDeploymentState: 'READY',
      lastDeploymentDate: null,
      lastDeploymentId: null,
      variables: new Map(),
      deploymentProblems: [],
    };
    state.environments.set(id, record);
    stagesOf(id);
    return record;
  }

  /**
   * An environment's deployment stages, in deployment order. A new environment has Qovery's
   * default ones, where each service goes by its type: databases, then jobs, then containers (so
   * by default a lifecycle job runs before the containers are up). A stage created through the API
   * comes after them.
   */
  function stagesOf(environmentId: string): StageRecord[] {
    let list = [...state.stages.values()].filter((stage) => stage.environmentId === environmentId);
    if (list.length === 0) {
      for (const name of DEFAULT_STAGES) addStage(environmentId, name);
      list = [...state.stages.values()].filter((stage) => stage.environmentId === environmentId);
    }
    return list.sort((a, b) => (a.resource.deployment_order ?? 0) - (b.resource.deployment_order ?? 0));
  }

  function addStage(environmentId: string, name: string, description?: string): StageRecord {
    const id = randomUUID();
    const order = [...state.stages.values()].filter((stage) => stage.environmentId === environmentId).length;
    const record: StageRecord = {
      environmentId,
      resource: {
        id,
        created_at: now(),
        environment: { id: environmentId },
        name,
        ...(description === undefined ? {} : { description }),
        deployment_order: order,
        services: [],
      },
      serviceIds: [],
    };
    state.stages.set(id, record);
    return record;
  }

  /** Puts a service in a stage (taking it out of any other), by stage id or default stage name. */
  function placeService(
    environmentId: string,
    serviceId: string,
    stage: { id?: string; name?: string },
  ): void {
    const stages = stagesOf(environmentId);
    const target = stages.find((s) => s.resource.id === stage.id || s.resource.name === stage.name);
    if (!target) throw new HttpProblem(404, 'Deployment stage not found');
    for (const s of stages) s.serviceIds = s.serviceIds.filter((id) => id !== serviceId);
    target.serviceIds.push(serviceId);
  }

  function stageResponse(stage: StageRecord): DeploymentStageResponse {
    return {
      ...stage.resource,
      services: stage.serviceIds.map((serviceId) => ({
        id: serviceId,
        created_at: stage.resource.created_at,
        service_id: serviceId,
        service_type: state.jobs.has(serviceId)
          ? 'JOB'
          : state.services.get(serviceId)?.kind === 'DATABASE'
            ? 'DATABASE'
            : 'CONTAINER',
        is_skipped: false,
      })),
    };
  }

  function jobsOf(environmentId: string): JobRecord[] {
    return [...state.jobs.values()].filter((job) => job.environmentId === environmentId);
  }

  function job(id: string): JobRecord {
    const record = state.jobs.get(id);
    if (!record) throw new HttpProblem(404, 'Job not found');
    return record;
  }

  function addJob(environmentId: string, body: JobRequest, variables = new Map<string, StoredVariable>()) {
    const image = body.source?.image;
    if (!image?.image_name || !image.tag || !image.registry_id)
      throw new HttpProblem(400, 'Only container image sources are supported');
    if (!state.registries.has(image.registry_id))
      throw new HttpProblem(400, 'Container registry not found in the organization');
    const schedule = body.schedule ?? {};
    if (!schedule.on_start && !schedule.on_stop && !schedule.on_delete && !schedule.cronjob)
      throw new HttpProblem(400, 'A job needs a schedule: on_start, on_stop, on_delete or cronjob');
    if (schedule.cronjob) throw new HttpProblem(400, 'The stand-in runs lifecycle jobs only');
    const id = randomUUID();
    const resource: JobResponse = {
      ...serviceBase(id, environmentId, body),
      max_nb_restart: body.max_nb_restart ?? 0,
      ...(body.max_duration_seconds === undefined ? {} : { max_duration_seconds: body.max_duration_seconds }),
      auto_preview: body.auto_preview ?? false,
      source: {
        image: {
          image_name: image.image_name,
          tag: image.tag,
          registry_id: image.registry_id,
          registry: { ...DOCKER_HUB, id: image.registry_id },
        },
      },
      healthchecks: body.healthchecks,
      auto_deploy: body.auto_deploy ?? false,
      icon_uri: 'app://qovery-console/job',
      service_type: 'JOB',
      job_type: 'LIFECYCLE',
      schedule: {
        ...(schedule.on_start ? { on_start: schedule.on_start } : {}),
        ...(schedule.on_stop ? { on_stop: schedule.on_stop } : {}),
        ...(schedule.on_delete ? { on_delete: schedule.on_delete } : {}),
        ...(schedule.lifecycle_type ? { lifecycle_type: schedule.lifecycle_type } : {}),
      },
    } as JobResponse;
    state.jobs.set(id, {
      environmentId,
      resource,
      variables,
      state: 'READY',
      lastDeploymentDate: null,
      deploymentRequestId: null,
      inLastDeployment: false,
      runs: [],
    });
    placeService(environmentId, id, { name: 'JOB DEFAULT' });
    return resource;
  }

  function imageOfJob(record: JobRecord): { image_name: string; tag: string } {
    const image = (record.resource.source as { image?: { image_name: string; tag: string } }).image;
    return { image_name: image?.image_name ?? '', tag: image?.tag ?? '' };
  }

  /**
   * What would make a lifecycle job that runs at deployment (`on_start`) fail: a `{{…}}` reference
   * that resolves to nothing; a stage that deploys it before containers it needs (on Qovery the
   * job would find no database); and, for AppWrite's image, a required variable unset. AppWrite's
   * set-up runs `migrate` inside the API container (`docker compose exec appwrite migrate`), so a
   * job of that image with an entrypoint no service has (migrate) needs what the API needs.
   */
  function jobProblems(environmentId: string): string[] {
    const problems: string[] = [];
    const stages = stagesOf(environmentId);
    const orderOf = (serviceId: string) =>
      stages.find((stage) => stage.serviceIds.includes(serviceId))?.resource.deployment_order ?? 0;
    const lastContainer = Math.max(
      -1,
      ...servicesOf(environmentId)
        .filter((service) => service.kind === 'CONTAINER')
        .map((service) => orderOf(service.resource.id)),
    );
    for (const record of jobsOf(environmentId)) {
      const onStart = (record.resource.schedule as { on_start?: { entrypoint?: string } }).on_start;
      if (!onStart) continue;
      const name = record.resource.name;
      const { values, missing } = resolve(record.environmentId, record.variables);
      for (const ref of missing) problems.push(`${name}: {{${ref}}} does not resolve`);
      if (orderOf(record.resource.id) <= lastContainer)
        problems.push(`${name}: deployed before the containers it needs (its stage comes first)`);
      const { image_name } = imageOfJob(record);
      const known =
        inventoryServiceOf({ image_name, entrypoint: onStart.entrypoint ?? null }) ??
        (image_name === 'appwrite/appwrite' ? inventory.services.appwrite : undefined);
      for (const variable of known?.required ?? []) {
        if (!values[variable]) problems.push(`${name}: ${variable} is required by AppWrite and not set`);
      }
    }
    return problems;
  }

  /**
   * Starts a deployment of the environment: every check (containers and lifecycle jobs) decides
   * how it ends; each job that runs at deployment is recorded, with the image it ran.
   */
  function startDeployment(id: string, record: EnvironmentRecord): void {
    const containerProblems = deploymentProblems(id);
    const problemsOfJobs = jobProblems(id);
    const runs = jobsOf(id).filter(
      (j) => (j.resource.schedule as { on_start?: unknown }).on_start !== undefined,
    );
    const failing = runs.flatMap((j) => {
      const reason = failingRuns.get(j.resource.id);
      if (reason === undefined) return [];
      failingRuns.delete(j.resource.id);
      return [`${j.resource.name}: ${reason}`];
    });
    record.deploymentProblems = [...containerProblems, ...problemsOfJobs, ...failing];
    const broken = record.deploymentProblems.length > 0;
    record.lastDeploymentId = randomUUID();
    record.lastDeploymentDate = now();
    for (const j of jobsOf(id)) j.inLastDeployment = false;
    for (const j of runs) {
      j.state = 'DEPLOYMENT_QUEUED';
      j.inLastDeployment = true;
      j.lastDeploymentDate = record.lastDeploymentDate;
      j.deploymentRequestId = record.lastDeploymentId;
    }
    const deploymentId = record.lastDeploymentId;
    transition(
      record,
      ['DEPLOYMENT_QUEUED', 'DEPLOYING', broken ? 'DEPLOYMENT_ERROR' : 'DEPLOYED'],
      undefined,
      () => {
        for (const j of runs) {
          // A job fails with its own problems; one that did not run because others failed is canceled.
          const own = record.deploymentProblems.some((p) => p.startsWith(`${j.resource.name}:`));
          const ran = !broken || own;
          j.state = !broken ? 'DEPLOYED' : own ? 'DEPLOYMENT_ERROR' : 'CANCELED';
          if (!ran) continue;
          const schedule = (
            j.resource.schedule as { on_start?: { entrypoint?: string; arguments?: string[] } }
          ).on_start;
          const { image_name, tag } = imageOfJob(j);
          j.runs.push({
            deploymentId,
            image: `${image_name}:${tag}`,
            entrypoint: schedule?.entrypoint ?? null,
            arguments: schedule?.arguments ?? [],
            ok: !own,
          });
        }
      },
    );
  }

  function jobStatus(record: JobRecord): ReferenceObjectStatus {
    return {
      id: record.resource.id,
      state: record.state,
      service_deployment_status: record.lastDeploymentDate === null ? 'NEVER_DEPLOYED' : 'UP_TO_DATE',
      ...(record.lastDeploymentDate === null ? {} : { last_deployment_date: record.lastDeploymentDate }),
      is_part_last_deployment: record.inLastDeployment,
      status_details: {
        action: 'DEPLOY',
        status:
          record.state === 'DEPLOYED'
            ? 'SUCCESS'
            : record.state === 'DEPLOYMENT_ERROR'
              ? 'ERROR'
              : record.state === 'CANCELED'
                ? 'CANCELED'
                : record.lastDeploymentDate === null
                  ? 'NEVER'
                  : 'ONGOING',
        sub_action: 'NONE',
      },
      deployment_request_id: record.deploymentRequestId,
      deployment_requests_count: record.runs.length,
    };
  }

  function shortId(id: string): string {
    return id.split('-')[0] ?? id;
  }

  function addContainer(
    environmentId: string,
    body: ContainerRequest,
    variables = new Map<string, StoredVariable>(),
    files = new Map<string, StoredVariable & { key: string }>(),
  ) {
    const id = randomUUID();
    const resource: ContainerResponse = {
      ...serviceBase(id, environmentId, body),
      storage: (body.storage ?? []).map((s) => ({ ...s, id: randomUUID() })),
      image_name: body.image_name,
      tag: body.tag,
      registry_id: body.registry_id,
      registry: { ...DOCKER_HUB, id: body.registry_id },
      arguments: body.arguments ?? [],
      ...(body.entrypoint === undefined ? {} : { entrypoint: body.entrypoint }),
      min_running_instances: body.min_running_instances ?? 1,
      max_running_instances: body.max_running_instances ?? 1,
      healthchecks: body.healthchecks,
      auto_preview: body.auto_preview ?? false,
      ports: (body.ports ?? []).map((p) => ({ ...p, id: randomUUID(), protocol: p.protocol ?? 'HTTP' })),
      auto_deploy: body.auto_deploy ?? false,
      icon_uri: 'app://qovery-console/container',
      service_type: 'CONTAINER',
    };
    state.services.set(id, { kind: 'CONTAINER', environmentId, resource, variables, files });
    placeService(environmentId, id, { name: 'CONTAINER DEFAULT' });
    const publicPort = resource.ports?.find((p) => p.publicly_accessible);
    if (publicPort) {
      const url = `https://z${shortId(id)}-z${shortId(environmentId)}-gtw.oom.sh`;
      state.links.set(id, [
        {
          service_id: id,
          service_type: 'CONTAINER',
          url,
          internal_port: publicPort.internal_port,
          external_port: publicPort.external_port ?? 443,
          is_qovery_domain: true,
          is_default: true,
        },
      ]);
    }
    return resource;
  }

  function addDatabase(environmentId: string, body: DatabaseRequest) {
    const id = randomUUID();
    const resource: Database = {
      id,
      created_at: now(),
      name: body.name,
      ...(body.description === undefined ? {} : { description: body.description }),
      type: body.type,
      version: body.version,
      mode: body.mode,
      accessibility: body.accessibility ?? 'PRIVATE',
      cpu: body.cpu ?? 250,
      memory: body.memory ?? 256,
      storage: body.storage ?? 10,
      icon_uri: 'app://qovery-console/database',
      environment: { id: environmentId },
      host: `z${shortId(id)}-${body.name.toLowerCase()}`,
      port: DATABASE_PORTS[body.type] ?? 0,
      service_type: 'DATABASE',
    };
    state.services.set(id, {
      kind: 'DATABASE',
      environmentId,
      resource,
      password: randomBytes(16).toString('hex'),
    });
    placeService(environmentId, id, { name: 'DATABASE DEFAULT' });
    return resource;
  }

  /** Qovery's BUILT_IN variables of an environment: QOVERY_<TYPE>_Z<short id>_<SPEC>. */
  function builtIns(environmentId: string): Record<string, string> {
    const env = environment(environmentId);
    const values: Record<string, string> = {
      QOVERY_PROJECT_ID: env.resource.project.id,
      QOVERY_ENVIRONMENT_ID: environmentId,
    };
    for (const service of servicesOf(environmentId)) {
      const short = shortId(service.resource.id).toUpperCase();
      if (service.kind === 'CONTAINER') {
        const prefix = `QOVERY_CONTAINER_Z${short}`;
        values[`${prefix}_HOST_INTERNAL`] =
          `app-z${short.toLowerCase()}-${service.resource.name.toLowerCase()}`;
        const link = state.links.get(service.resource.id)?.[0];
        if (link) values[`${prefix}_HOST_EXTERNAL`] = new URL(link.url).host;
      } else {
        const db = service.resource;
        const prefix = `QOVERY_${db.type}_Z${short}`;
        const login = db.type === 'REDIS' ? 'default' : 'superuser';
        const internal = `${db.host ?? ''}.internal`;
        const url = (host: string) =>
          `${db.type.toLowerCase()}://${login}:${service.password}@${host}:${db.port ?? 0}/${db.type === 'REDIS' ? '0' : 'postgres'}`;
        Object.assign(values, {
          [`${prefix}_HOST`]: db.host ?? '',
          [`${prefix}_HOST_INTERNAL`]: internal,
          [`${prefix}_PORT`]: String(db.port ?? 0),
          [`${prefix}_LOGIN`]: login,
          [`${prefix}_PASSWORD`]: service.password,
          [`${prefix}_DEFAULT_DATABASE_NAME`]: db.type === 'REDIS' ? '0' : 'postgres',
          [`${prefix}_DATABASE_URL`]: url(db.host ?? ''),
          [`${prefix}_DATABASE_URL_INTERNAL`]: url(internal),
        });
      }
    }
    return values;
  }

  /**
   * What would make a deployment fail on Qovery, or the instance crash once deployed, per
   * container: a `{{…}}` reference that resolves to nothing; a `--config <path>` argument whose
   * file is not a mounted file variable; and, for an AppWrite service (recognised by image and
   * entrypoint in lib/instances/blueprint/inventory.json), a variable it cannot run without that is unset or
   * empty (AppWrite's own set-up would not start either).
   */
  function deploymentProblems(environmentId: string): string[] {
    const problems: string[] = [];
    for (const service of servicesOf(environmentId)) {
      if (service.kind !== 'CONTAINER') continue;
      const { resource } = service;
      const { values, missing } = resolveVariables(resource.id);
      for (const name of missing) problems.push(`${resource.name}: {{${name}}} does not resolve`);
      const args = resource.arguments ?? [];
      args.forEach((arg, i) => {
        const path =
          arg === '--config' ? args[i + 1] : arg.startsWith('--config=') ? arg.slice(9) : undefined;
        if (path !== undefined && !service.files.has(path))
          problems.push(`${resource.name}: ${path} is not a mounted file variable`);
      });
      const known = inventoryServiceOf(resource);
      for (const name of known?.required ?? []) {
        if (!values[name]) problems.push(`${resource.name}: ${name} is required by AppWrite and not set`);
      }
    }
    return problems;
  }

  function resolveVariables(serviceId: string): { values: Record<string, string>; missing: string[] } {
    const record = state.jobs.get(serviceId) ?? container(serviceId);
    return resolve(record.environmentId, record.variables);
  }

  /** BUILT_IN, then environment, then the service's own variables, `{{…}}` resolved. */
  function resolve(
    environmentId: string,
    own: Map<string, StoredVariable>,
  ): { values: Record<string, string>; missing: string[] } {
    const env = environment(environmentId);
    const raw: Record<string, string> = { ...builtIns(environmentId) };
    for (const [key, variable] of env.variables) raw[key] = variable.value;
    for (const [key, variable] of own) raw[key] = variable.value;
    const missing = new Set<string>();
    const values: Record<string, string> = {};
    for (const [key, value] of Object.entries(raw)) {
      values[key] = value.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (_, name: string) => {
        const target = raw[name];
        if (target === undefined || /\{\{/.test(target)) {
          missing.add(name);
          return '';
        }
        return target;
      });
    }
    return { values, missing: [...missing] };
  }

  function environmentStatus(record: EnvironmentRecord): EnvironmentStatus {
    return {
      id: record.resource.id,
      state: record.state,
      last_deployment_date: record.lastDeploymentDate,
      last_deployment_state: record.lastDeploymentState,
      last_deployment_id: record.lastDeploymentId,
      total_deployment_duration_in_seconds: null,
      origin: 'API',
      triggered_by: null,
      deployment_status: record.lastDeploymentId === null ? 'NEVER_DEPLOYED' : 'UP_TO_DATE',
    };
  }

  // -------------------------------------------------------------------------------------------
  // Handlers.

  type Handler = (params: string[], body: unknown) => Reply;
  const handlers: [string, RegExp, Handler][] = [
    [
      'POST',
      /^\/project\/([^/]+)\/environment$/,
      ([projectId = ''], body) => {
        if (!state.projects.has(projectId)) throw new HttpProblem(404, 'Project not found');
        const request = object<CreateEnvironmentRequest>(body, ['name']);
        uniqueEnvironmentName(projectId, request.name);
        const record = newEnvironment(
          projectId,
          request.name,
          request.mode ?? 'DEVELOPMENT',
          request.cluster,
        );
        return { status: 201, body: record.resource };
      },
    ],
    [
      'GET',
      /^\/project\/([^/]+)\/environment$/,
      ([projectId = '']) => {
        if (!state.projects.has(projectId)) throw new HttpProblem(404, 'Project not found');
        const results = [...state.environments.values()]
          .filter((env) => env.resource.project.id === projectId)
          .map((env) => env.resource);
        return { status: 200, body: { results } };
      },
    ],
    [
      'GET',
      /^\/project\/([^/]+)\/environment\/status$/,
      ([projectId = '']) => {
        if (!state.projects.has(projectId)) throw new HttpProblem(404, 'Project not found');
        const results = [...state.environments.values()]
          .filter((env) => env.resource.project.id === projectId)
          .map(environmentStatus);
        return { status: 200, body: { results } };
      },
    ],
    ['GET', /^\/environment\/([^/]+)$/, ([id = '']) => ({ status: 200, body: environment(id).resource })],
    [
      'DELETE',
      /^\/environment\/([^/]+)$/,
      ([id = '']) => {
        const record = environment(id);
        if (record.state !== 'DELETE_QUEUED' && record.state !== 'DELETING') {
          transition(record, ['DELETE_QUEUED', 'DELETING'], () => {
            for (const service of servicesOf(id)) {
              state.services.delete(service.resource.id);
              state.links.delete(service.resource.id);
            }
            for (const j of jobsOf(id)) state.jobs.delete(j.resource.id);
            for (const stage of stagesOf(id)) state.stages.delete(stage.resource.id);
            state.environments.delete(id);
          });
        }
        return { status: 204 };
      },
    ],
    [
      'GET',
      /^\/environment\/([^/]+)\/status$/,
      ([id = '']) => ({ status: 200, body: environmentStatus(environment(id)) }),
    ],
    [
      'POST',
      /^\/environment\/([^/]+)\/deploy$/,
      ([id = '']) => {
        const record = environment(id);
        if (IN_PROGRESS.has(record.state)) throw new HttpProblem(409, 'Operation is in progress');
        startDeployment(id, record);
        const status: Status = {
          id,
          state: record.state,
          service_deployment_status: 'OUT_OF_DATE',
          last_deployment_date: record.lastDeploymentDate ?? undefined,
          is_part_last_deployment: true,
          status_details: { action: 'DEPLOY', status: 'QUEUED', sub_action: 'NONE' },
          deployment_request_id: record.lastDeploymentId,
          deployment_requests_count: 1,
        };
        return { status: 202, body: status };
      },
    ],
    [
      'POST',
      /^\/environment\/([^/]+)\/cancelDeployment$/,
      ([id = '']) => {
        const record = environment(id);
        if (!CANCELLABLE.has(record.state)) {
          throw new HttpProblem(
            409,
            'Environment deployment is already cancelled or an operation is in progress',
          );
        }
        transition(record, ['CANCELING', 'CANCELED']);
        return { status: 202, body: environmentStatus(record) };
      },
    ],
    [
      'POST',
      /^\/environment\/([^/]+)\/stop$/,
      ([id = '']) => {
        const record = environment(id);
        if (IN_PROGRESS.has(record.state) || record.state === 'STOPPED' || record.state === 'READY') {
          throw new HttpProblem(409, 'Environment is already stopped or an operation is in progress');
        }
        transition(record, ['STOP_QUEUED', 'STOPPING', 'STOPPED']);
        return { status: 202, body: environmentStatus(record) };
      },
    ],
    [
      'POST',
      /^\/environment\/([^/]+)\/clone$/,
      ([id = ''], body) => {
        const source = environment(id);
        const request = object<CloneEnvironmentRequest>(body, ['name']);
        const projectId = request.project_id ?? source.resource.project.id;
        if (!state.projects.has(projectId)) throw new HttpProblem(404, 'Project not found');
        uniqueEnvironmentName(projectId, request.name);
        const clone = newEnvironment(
          projectId,
          request.name,
          request.mode ?? source.resource.mode,
          request.cluster_id ?? source.resource.cluster_id,
        );
        // Qovery answers 202 "clone has been requested": the services appear a step later, so a
        // client that lists them at once finds none and must wait for them.
        later(stepMs, () => {
          if (!state.environments.has(clone.resource.id)) return;
          for (const [key, variable] of source.variables)
            clone.variables.set(key, { ...variable, id: randomUUID() });
          // The clone's stages are the source's, in the same order; each service keeps its stage.
          const sourceStages = stagesOf(id);
          for (const stage of sourceStages.slice(stagesOf(clone.resource.id).length))
            addStage(clone.resource.id, stage.resource.name ?? '', stage.resource.description);
          const keepStage = (sourceId: string, cloneId: string) => {
            const name = sourceStages.find((stage) => stage.serviceIds.includes(sourceId))?.resource.name;
            if (name) placeService(clone.resource.id, cloneId, { name });
          };
          for (const j of jobsOf(id)) {
            const r = j.resource;
            const copy = addJob(
              clone.resource.id,
              {
                name: r.name,
                ...(r.description === undefined ? {} : { description: r.description }),
                cpu: r.cpu,
                memory: r.memory,
                max_nb_restart: r.max_nb_restart ?? 0,
                ...(r.max_duration_seconds === undefined
                  ? {}
                  : { max_duration_seconds: r.max_duration_seconds }),
                auto_preview: r.auto_preview,
                source: {
                  image: {
                    ...imageOfJob(j),
                    registry_id:
                      (r.source as { image?: { registry_id?: string } }).image?.registry_id ??
                      LOCAL_REGISTRY_ID,
                  },
                },
                healthchecks: r.healthchecks,
                schedule: r.schedule as JobRequest['schedule'],
              },
              new Map([...j.variables].map(([k, v]) => [k, { ...v, id: randomUUID() }])),
            );
            keepStage(r.id, copy.id);
          }
          for (const service of servicesOf(id)) {
            if (service.kind === 'CONTAINER') {
              const { resource: r } = service;
              const variables = new Map(
                [...service.variables].map(([k, v]) => [k, { ...v, id: randomUUID() }]),
              );
              const files = new Map([...service.files].map(([k, v]) => [k, { ...v, id: randomUUID() }]));
              const request: ContainerRequest = {
                name: r.name,
                ...(r.description === undefined ? {} : { description: r.description }),
                registry_id: r.registry_id ?? r.registry.id,
                image_name: r.image_name,
                tag: r.tag,
                ...(r.arguments === undefined ? {} : { arguments: r.arguments }),
                ...(r.entrypoint === undefined ? {} : { entrypoint: r.entrypoint }),
                cpu: r.cpu,
                memory: r.memory,
                gpu: r.gpu,
                min_running_instances: r.min_running_instances,
                max_running_instances: r.max_running_instances,
                healthchecks: r.healthchecks,
                auto_preview: r.auto_preview,
                ports: (r.ports ?? []).map(({ id: _id, ...p }) => p),
                storage: (r.storage ?? []).map(({ id: _id, ...s }) => s),
              };
              keepStage(r.id, addContainer(clone.resource.id, request, variables, files).id);
            } else {
              const { resource: r } = service;
              const copy = addDatabase(clone.resource.id, {
                name: r.name,
                type: r.type,
                version: r.version,
                mode: r.mode,
                ...(r.accessibility === undefined ? {} : { accessibility: r.accessibility }),
                ...(r.cpu === undefined ? {} : { cpu: r.cpu }),
                ...(r.memory === undefined ? {} : { memory: r.memory }),
                ...(r.storage === undefined ? {} : { storage: r.storage }),
              });
              keepStage(r.id, copy.id);
            }
          }
          persist();
        });
        return { status: 202, body: clone.resource };
      },
    ],
    [
      'GET',
      /^\/environment\/([^/]+)\/container$/,
      ([id = '']) => {
        environment(id);
        const results = servicesOf(id).flatMap((s) => (s.kind === 'CONTAINER' ? [s.resource] : []));
        return { status: 200, body: { results } };
      },
    ],
    [
      'POST',
      /^\/environment\/([^/]+)\/container$/,
      ([id = ''], body) => {
        writable(environment(id));
        const request = object<ContainerRequest>(body, ['name', 'registry_id', 'image_name', 'tag']);
        if (request.healthchecks === null || typeof request.healthchecks !== 'object') {
          throw new HttpProblem(400, 'healthchecks is required');
        }
        for (const storage of request.storage ?? []) {
          if (storage.size < 4) throw new HttpProblem(400, 'Minimum storage size is 4 GB');
        }
        if (!state.registries.has(request.registry_id)) {
          throw new HttpProblem(400, 'Container registry not found in the organization');
        }
        uniqueServiceName(id, request.name);
        return { status: 201, body: addContainer(id, request) };
      },
    ],
    [
      'GET',
      /^\/environment\/([^/]+)\/database$/,
      ([id = '']) => {
        environment(id);
        const results = servicesOf(id).flatMap((s) => (s.kind === 'DATABASE' ? [s.resource] : []));
        return { status: 200, body: { results } };
      },
    ],
    [
      'POST',
      /^\/environment\/([^/]+)\/database$/,
      ([id = ''], body) => {
        writable(environment(id));
        const request = object<DatabaseRequest>(body, ['name', 'type', 'version', 'mode']);
        if (!(request.type in DATABASE_PORTS)) throw new HttpProblem(400, 'Unknown database type');
        if (request.mode !== 'CONTAINER' && request.mode !== 'MANAGED')
          throw new HttpProblem(400, 'Unknown mode');
        uniqueServiceName(id, request.name);
        return { status: 201, body: addDatabase(id, request) };
      },
    ],
    [
      'POST',
      /^\/container\/([^/]+)\/environmentVariable\/import$/,
      ([id = ''], body) => {
        const record = container(id);
        writable(environment(record.environmentId));
        const request = object<VariableImportRequest>(body, []);
        if (typeof request.overwrite !== 'boolean' || !Array.isArray(request.vars)) {
          throw new HttpProblem(400, 'overwrite and vars are required');
        }
        const result: VariableImport = {
          total_variables_to_import: request.vars.length,
          successful_imported_variables: [],
        };
        for (const v of request.vars) {
          if (
            typeof v.name !== 'string' ||
            !/^[A-Za-z_][A-Za-z0-9_]*$/.test(v.name) ||
            v.name.startsWith('QOVERY_')
          ) {
            throw new HttpProblem(400, 'Invalid variable name');
          }
          if (typeof v.value !== 'string' || typeof v.is_secret !== 'boolean') {
            throw new HttpProblem(400, 'Invalid variable');
          }
          const target =
            v.scope === 'CONTAINER'
              ? record.variables
              : v.scope === 'ENVIRONMENT'
                ? environment(record.environmentId).variables
                : undefined;
          if (!target) throw new HttpProblem(400, 'Unsupported scope');
          if (target.has(v.name) && !request.overwrite) continue;
          const stored = { id: randomUUID(), value: v.value, isSecret: v.is_secret };
          target.set(v.name, stored);
          result.successful_imported_variables.push({
            name: v.name,
            scope: v.scope,
            is_secret: v.is_secret,
            ...(v.is_secret ? {} : { value: v.value }),
          });
        }
        return { status: 201, body: result };
      },
    ],
    [
      'POST',
      /^\/variable$/,
      (_params, body) => {
        const request = object<VariableRequest>(body, ['key', 'variable_scope', 'variable_parent_id']);
        if (typeof request.value !== 'string' || typeof request.is_secret !== 'boolean') {
          throw new HttpProblem(400, 'value and is_secret are required');
        }
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(request.key) || request.key.startsWith('QOVERY_')) {
          throw new HttpProblem(400, 'Invalid variable name');
        }
        if (request.variable_scope !== 'CONTAINER') throw new HttpProblem(400, 'Unsupported scope');
        const record = container(request.variable_parent_id);
        writable(environment(record.environmentId));
        const id = randomUUID();
        const stored = { id, value: request.value, isSecret: request.is_secret };
        if (request.mount_path) {
          if (!request.mount_path.startsWith('/')) throw new HttpProblem(400, 'mount_path must be absolute');
          if (record.files.has(request.mount_path)) throw new HttpProblem(409, 'Mount path already used');
          record.files.set(request.mount_path, { ...stored, key: request.key });
        } else {
          if (record.variables.has(request.key)) throw new HttpProblem(409, 'Variable already exists');
          record.variables.set(request.key, stored);
        }
        const response: VariableResponse = {
          id,
          created_at: now(),
          key: request.key,
          value: request.is_secret ? null : request.value,
          mount_path: request.mount_path ?? null,
          scope: request.variable_scope,
          variable_type: request.mount_path ? 'FILE' : 'VALUE',
          service_id: record.resource.id,
          service_name: record.resource.name,
          service_type: 'CONTAINER',
          owned_by: 'QOVERY',
          is_secret: request.is_secret,
        };
        return { status: 201, body: response };
      },
    ],
    [
      'POST',
      /^\/environment\/([^/]+)\/service\/deploy$/,
      ([id = ''], body) => {
        const record = environment(id);
        const request = object<DeployAllRequest>(body ?? {}, []);
        if (IN_PROGRESS.has(record.state)) throw new HttpProblem(409, 'Operation is in progress');
        // Check every id first: nothing changes unless the whole request is good.
        const containers = (request.containers ?? []).map((c) => {
          const found = container(c.id);
          if (found.environmentId !== id) throw new HttpProblem(400, 'Container not in this environment');
          return { record: found, tag: c.image_tag };
        });
        const jobs = (request.jobs ?? []).map((j) => {
          const found = job(j.id ?? '');
          if (found.environmentId !== id) throw new HttpProblem(400, 'Job not in this environment');
          return { record: found, tag: j.image_tag };
        });
        for (const c of containers) if (c.tag) c.record.resource.tag = c.tag;
        for (const j of jobs) {
          const image = (j.record.resource.source as { image?: { tag: string } }).image;
          if (j.tag && image) image.tag = j.tag;
        }
        startDeployment(id, record);
        return { status: 202, body: environmentStatus(record) };
      },
    ],
    [
      'GET',
      /^\/environment\/([^/]+)\/job$/,
      ([id = '']) => {
        environment(id);
        return { status: 200, body: { results: jobsOf(id).map((j) => j.resource) } };
      },
    ],
    [
      'POST',
      /^\/environment\/([^/]+)\/job$/,
      ([id = ''], body) => {
        writable(environment(id));
        const request = object<JobRequest>(body, ['name']);
        if (request.healthchecks === null || typeof request.healthchecks !== 'object')
          throw new HttpProblem(400, 'healthchecks is required');
        if (jobsOf(id).some((j) => j.resource.name.toLowerCase() === request.name.toLowerCase()))
          throw new HttpProblem(409, 'Job name within the environment is already taken');
        uniqueServiceName(id, request.name);
        return { status: 201, body: addJob(id, request) };
      },
    ],
    [
      'GET',
      /^\/environment\/([^/]+)\/job\/status$/,
      ([id = '']) => {
        environment(id);
        return { status: 200, body: { results: jobsOf(id).map(jobStatus) } };
      },
    ],
    [
      'GET',
      /^\/environment\/([^/]+)\/deploymentStage$/,
      ([id = '']) => {
        environment(id);
        return { status: 200, body: { results: stagesOf(id).map(stageResponse) } };
      },
    ],
    [
      'POST',
      /^\/environment\/([^/]+)\/deploymentStage$/,
      ([id = ''], body) => {
        writable(environment(id));
        const request = object<DeploymentStageRequest>(body, ['name']);
        if (stagesOf(id).some((stage) => stage.resource.name?.toLowerCase() === request.name.toLowerCase()))
          throw new HttpProblem(400, 'A deployment stage with this name already exists');
        const stage = addStage(id, request.name, request.description ?? undefined);
        return { status: 200, body: stageResponse(stage) };
      },
    ],
    [
      'PUT',
      /^\/deploymentStage\/([^/]+)\/service\/([^/]+)$/,
      ([stageId = '', serviceId = '']) => {
        const stage = state.stages.get(stageId);
        if (!stage) throw new HttpProblem(404, 'Deployment stage not found');
        const owner =
          state.jobs.get(serviceId)?.environmentId ?? state.services.get(serviceId)?.environmentId;
        if (owner !== stage.environmentId) throw new HttpProblem(404, 'Service not found');
        placeService(stage.environmentId, serviceId, { id: stageId });
        return { status: 200, body: { results: stagesOf(stage.environmentId).map(stageResponse) } };
      },
    ],
    [
      'GET',
      /^\/container\/([^/]+)\/link$/,
      ([id = '']) => {
        container(id);
        return { status: 200, body: { results: state.links.get(id) ?? [] } };
      },
    ],
  ];

  function route(method: string, path: string, body: unknown): Reply {
    let pathMatched = false;
    for (const [m, pattern, handler] of handlers) {
      const match = pattern.exec(path);
      if (!match) continue;
      pathMatched = true;
      if (m !== method) continue;
      return handler(match.slice(1).map(decodeURIComponent), body);
    }
    throw new HttpProblem(pathMatched ? 405 : 404, pathMatched ? 'Method not allowed' : 'Unknown route');
  }

  // -------------------------------------------------------------------------------------------
  // HTTP.

  function takeFault(
    method: string,
    path: string,
    body: unknown,
  ): (Fault & { remaining: number }) | undefined {
    const fault = faults.find(
      (f) =>
        (f.method === undefined || f.method.toUpperCase() === method) &&
        (typeof f.path === 'string' ? f.path === path : f.path.test(path)) &&
        (f.when === undefined || f.when({ method, path, body })),
    );
    if (!fault) return undefined;
    fault.remaining--;
    if (fault.remaining <= 0) faults = faults.filter((f) => f !== fault);
    return fault;
  }

  function authorised(req: IncomingMessage): boolean {
    const given = Buffer.from(req.headers.authorization ?? '');
    return given.length === expectedAuth.length && timingSafeEqual(given, expectedAuth);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const method = (req.method ?? 'GET').toUpperCase();
    const text = await readBody(req);
    let body: unknown;
    let badJson = false;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        badJson = true;
      }
    }
    const call: RecordedCall = { method, path: url.pathname, query: url.search, body };
    calls.push(call);

    const fault = takeFault(method, url.pathname, body);
    const violation = (
      direction: ContractViolation['direction'],
      check: { operationId?: string; problems: string[] },
      status?: number,
    ) => {
      onViolation({
        standIn: selfUrl,
        direction,
        method,
        path: url.pathname,
        ...(status === undefined ? {} : { status }),
        ...(check.operationId ? { operationId: check.operationId } : {}),
        problems: check.problems,
      });
    };
    const processCall = (): Reply => {
      if (!authorised(req)) return problem(401, 'Access token is missing or invalid');
      if (badJson) return problem(400, 'The body is not valid JSON');
      if (contract) {
        const check = contract.checkRequest({ method, path: url.pathname, query: url.searchParams, body });
        if (check.problems.length) {
          violation('request', check);
          // What Qovery does with a call its API does not have, or a body it does not accept.
          return check.operationId
            ? problem(400, `Invalid request: ${check.problems.join('; ')}`)
            : problem(404, 'Unknown route');
        }
      }
      try {
        return route(method, url.pathname, body);
      } catch (error) {
        if (error instanceof HttpProblem) return problem(error.status, error.detail);
        return problem(500, 'Internal error');
      }
    };
    const answer = (): Reply => {
      const reply = processCall();
      if (contract) {
        const check = contract.checkResponse({
          method,
          path: url.pathname,
          status: reply.status,
          body: reply.body,
        });
        if (check.problems.length) violation('response', check, reply.status);
      }
      return reply;
    };
    const faulted = (f: Fault, normal?: Reply): Reply | 'drop' => {
      if (f.drop) return 'drop';
      if (f.status !== undefined) {
        return {
          status: f.status,
          body: f.body === undefined ? { status: f.status, detail: 'Injected fault' } : f.body,
          ...(f.headers ? { headers: f.headers } : {}),
        };
      }
      return normal ?? answer();
    };

    let reply: Reply | 'drop';
    if (!fault) reply = answer();
    else if (fault.after) {
      const normal = answer();
      if (fault.delayMs) await wait(fault.delayMs);
      reply = faulted(fault, normal);
    } else {
      if (fault.delayMs) await wait(fault.delayMs);
      reply = faulted(fault);
    }

    if (reply === 'drop') {
      call.status = 'dropped';
      req.socket.destroy();
      return;
    }
    call.status = reply.status;
    if (method !== 'GET') persist();
    const payload = reply.body === undefined ? '' : JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      ...(payload ? { 'Content-Type': 'application/json' } : {}),
      ...reply.headers,
    });
    res.end(payload);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  selfUrl = `http://127.0.0.1:${address.port}`;

  return {
    url: selfUrl,
    state,
    calls,
    stateHistory: (environmentId) => [...(histories.get(environmentId) ?? [])],
    faults: {
      inject(fault) {
        faults.push({ ...fault, remaining: fault.times ?? 1 });
      },
      clear() {
        faults = [];
      },
      get pending() {
        return faults.length;
      },
    },
    resolveVariables,
    takeViolations: () => takeViolations(selfUrl),
    failNextRun(jobId, reason = 'the job exited with status 1') {
      failingRuns.set(jobId, reason);
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      transitions.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The service of AppWrite's set-up a container runs: same image (any tag) and entrypoint. */
function inventoryServiceOf(resource: {
  image_name: string;
  entrypoint?: string | null;
}): InventoryService | undefined {
  const entrypoint = resource.entrypoint ?? null;
  return Object.values(inventory.services).find((service) => {
    const at = service.image.lastIndexOf(':');
    const image = at === -1 ? service.image : service.image.slice(0, at);
    return image === resource.image_name && (service.entrypoint?.join(' ') ?? null) === entrypoint;
  });
}

function problem(status: number, detail: string): Reply {
  return { status, body: { status, detail } };
}

function object<T>(body: unknown, required: string[]): T {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new HttpProblem(400, 'A JSON object body is required');
  }
  for (const key of required) {
    const value = (body as Record<string, unknown>)[key];
    if (typeof value !== 'string' || value.trim() === '') throw new HttpProblem(400, `${key} is required`);
  }
  return body as T;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
