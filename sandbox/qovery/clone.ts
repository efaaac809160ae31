/**
 * Cloning an environment. Qovery answers 202 ("clone has been requested"): the new environment
 * exists at once, its services appear one step later, so a client that lists them at once finds
 * none and must wait for them. Containers (with their variables), jobs, databases and deployment
 * stages are copied under new ids, each service in its stage; database data and generated
 * passwords are not.
 */
import { randomUUID } from 'node:crypto';
import type {
  CloneEnvironmentRequest,
  ContainerRequest,
  DatabaseRequest,
  JobRequest,
} from 'qovery-typescript-axios';
import { addContainer } from './containers';
import { type Context, later } from './context';
import { addDatabase } from './databases';
import { existingProject, newEnvironment, uniqueEnvironmentName } from './environments';
import type { Handler, Route } from './handler';
import { addJob, imageOfJob } from './jobs';
import { requestBody } from './reply';
import { LOCAL_REGISTRY_ID } from './resources';
import { addStage, placeService, stagesOf } from './stages';
import {
  type ContainerRecord,
  type DatabaseRecord,
  type EnvironmentRecord,
  environmentById,
  type JobRecord,
  jobsOf,
  type StandInState,
  type StoredVariable,
  servicesOf,
} from './state';

/** The same variables under new ids. */
function copyVariables<V extends StoredVariable>(variables: Map<string, V>): Map<string, V> {
  return new Map([...variables].map(([key, variable]) => [key, { ...variable, id: randomUUID() }]));
}

function jobRequest(job: JobRecord): JobRequest {
  const r = job.resource;
  return {
    name: r.name,
    ...(r.description === undefined ? {} : { description: r.description }),
    cpu: r.cpu,
    memory: r.memory,
    max_nb_restart: r.max_nb_restart ?? 0,
    ...(r.max_duration_seconds === undefined ? {} : { max_duration_seconds: r.max_duration_seconds }),
    auto_preview: r.auto_preview,
    source: {
      image: {
        ...imageOfJob(job),
        registry_id:
          (r.source as { image?: { registry_id?: string } }).image?.registry_id ?? LOCAL_REGISTRY_ID,
      },
    },
    healthchecks: r.healthchecks,
    schedule: r.schedule as JobRequest['schedule'],
  };
}

function containerRequest({ resource: r }: ContainerRecord): ContainerRequest {
  return {
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
}

function databaseRequest({ resource: r }: DatabaseRecord): DatabaseRequest {
  return {
    name: r.name,
    type: r.type,
    version: r.version,
    mode: r.mode,
    ...(r.accessibility === undefined ? {} : { accessibility: r.accessibility }),
    ...(r.cpu === undefined ? {} : { cpu: r.cpu }),
    ...(r.memory === undefined ? {} : { memory: r.memory }),
    ...(r.storage === undefined ? {} : { storage: r.storage }),
  };
}

/** Copies into the clone the source's variables, stages, jobs, containers and databases. */
function copyContents(state: StandInState, source: EnvironmentRecord, clone: EnvironmentRecord): void {
  const sourceId = source.resource.id;
  const cloneId = clone.resource.id;
  for (const [key, variable] of source.variables) clone.variables.set(key, { ...variable, id: randomUUID() });
  // The clone's stages are the source's, in the same order; each service keeps its stage.
  const sourceStages = stagesOf(state, sourceId);
  for (const stage of sourceStages.slice(stagesOf(state, cloneId).length))
    addStage(state, cloneId, stage.resource.name ?? '', stage.resource.description);
  const keepStage = (sourceServiceId: string, copyId: string) => {
    const name = sourceStages.find((stage) => stage.serviceIds.includes(sourceServiceId))?.resource.name;
    if (name) placeService(state, cloneId, copyId, { name });
  };
  for (const job of jobsOf(state, sourceId)) {
    const copy = addJob(state, cloneId, jobRequest(job), copyVariables(job.variables));
    keepStage(job.resource.id, copy.id);
  }
  for (const service of servicesOf(state, sourceId)) {
    const copy =
      service.kind === 'CONTAINER'
        ? addContainer(
            state,
            cloneId,
            containerRequest(service),
            copyVariables(service.variables),
            copyVariables(service.files),
          )
        : addDatabase(state, cloneId, databaseRequest(service));
    keepStage(service.resource.id, copy.id);
  }
}

const cloneEnvironment: Handler = (context: Context, [id = ''], body) => {
  const { state } = context;
  const source = environmentById(state, id);
  const request = requestBody<CloneEnvironmentRequest>(body, ['name']);
  const projectId = request.project_id ?? source.resource.project.id;
  existingProject(state, projectId);
  uniqueEnvironmentName(state, projectId, request.name);
  const clone = newEnvironment(
    state,
    projectId,
    request.name,
    request.mode ?? source.resource.mode,
    request.cluster_id ?? source.resource.cluster_id,
  );
  later(context, context.stepMs, () => {
    if (!state.environments.has(clone.resource.id)) return;
    copyContents(state, source, clone);
    context.persist();
  });
  return { status: 202, body: clone.resource };
};

export const cloneRoutes: Route[] = [['POST', /^\/environment\/([^/]+)\/clone$/, cloneEnvironment]];
