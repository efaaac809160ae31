/**
 * Lifecycle jobs (an image of a linked registry, run on start, stop or delete; no cron jobs) and
 * their status: each job's state and whether it was part of its environment's last deployment.
 */
import { randomUUID } from 'node:crypto';
import type { JobRequest, JobResponse, ReferenceObjectStatus } from 'qovery-typescript-axios';
import type { Handler, Route } from './handler';
import { HttpProblem, requestBody } from './reply';
import { DOCKER_HUB, serviceBase } from './resources';
import { placeService } from './stages';
import {
  environmentById,
  type JobRecord,
  jobsOf,
  type StandInState,
  type StoredVariable,
  uniqueServiceName,
  writable,
} from './state';

/** What a job runs at deployment (its `on_start`), when it runs then. */
export interface OnStart {
  entrypoint?: string;
  arguments?: string[];
}

export function onStartOf(record: JobRecord): OnStart | undefined {
  return (record.resource.schedule as { on_start?: OnStart }).on_start;
}

export function imageOfJob(record: JobRecord): { image_name: string; tag: string } {
  const image = (record.resource.source as { image?: { image_name: string; tag: string } }).image;
  return { image_name: image?.image_name ?? '', tag: image?.tag ?? '' };
}

/** Adds a lifecycle job to the jobs' default stage; a clone passes the source's variables. */
export function addJob(
  state: StandInState,
  environmentId: string,
  body: JobRequest,
  variables = new Map<string, StoredVariable>(),
): JobResponse {
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
  const resource = {
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
  placeService(state, environmentId, id, { name: 'JOB DEFAULT' });
  return resource;
}

function deployStatus(record: JobRecord): 'SUCCESS' | 'ERROR' | 'CANCELED' | 'NEVER' | 'ONGOING' {
  if (record.state === 'DEPLOYED') return 'SUCCESS';
  if (record.state === 'DEPLOYMENT_ERROR') return 'ERROR';
  if (record.state === 'CANCELED') return 'CANCELED';
  return record.lastDeploymentDate === null ? 'NEVER' : 'ONGOING';
}

function jobStatus(record: JobRecord): ReferenceObjectStatus {
  return {
    id: record.resource.id,
    state: record.state,
    service_deployment_status: record.lastDeploymentDate === null ? 'NEVER_DEPLOYED' : 'UP_TO_DATE',
    ...(record.lastDeploymentDate === null ? {} : { last_deployment_date: record.lastDeploymentDate }),
    is_part_last_deployment: record.inLastDeployment,
    status_details: { action: 'DEPLOY', status: deployStatus(record), sub_action: 'NONE' },
    deployment_request_id: record.deploymentRequestId,
    deployment_requests_count: record.runs.length,
  };
}

const listJobs: Handler = ({ state }, [id = '']) => {
  environmentById(state, id);
  return { status: 200, body: { results: jobsOf(state, id).map((j) => j.resource) } };
};

const createJob: Handler = ({ state }, [id = ''], body) => {
  writable(environmentById(state, id));
  const request = requestBody<JobRequest>(body, ['name']);
  if (request.healthchecks === null || typeof request.healthchecks !== 'object')
    throw new HttpProblem(400, 'healthchecks is required');
  if (jobsOf(state, id).some((j) => j.resource.name.toLowerCase() === request.name.toLowerCase()))
    throw new HttpProblem(409, 'Job name within the environment is already taken');
  uniqueServiceName(state, id, request.name);
  return { status: 201, body: addJob(state, id, request) };
};

const listJobStatuses: Handler = ({ state }, [id = '']) => {
  environmentById(state, id);
  return { status: 200, body: { results: jobsOf(state, id).map(jobStatus) } };
};

export const jobRoutes: Route[] = [
  ['GET', /^\/environment\/([^/]+)\/job$/, listJobs],
  ['POST', /^\/environment\/([^/]+)\/job$/, createJob],
  ['GET', /^\/environment\/([^/]+)\/job\/status$/, listJobStatuses],
];
