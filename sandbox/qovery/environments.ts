/**
 * Environments: created READY in a project given at start, listed, read, and deleted
 * (DELETE_QUEUED → DELETING → gone, with everything in them).
 */
import { randomUUID } from 'node:crypto';
import type {
  CreateEnvironmentRequest,
  EnvironmentModeEnum,
  EnvironmentStatus,
} from 'qovery-typescript-axios';
import type { Handler, Route } from './handler';
import { HttpProblem, requestBody } from './reply';
import { DEFAULT_CLUSTER_ID, now, ORGANIZATION_ID } from './resources';
import { stagesOf } from './stages';
import { type EnvironmentRecord, environmentById, jobsOf, type StandInState, servicesOf } from './state';
import { transition } from './transitions';

export function newEnvironment(
  state: StandInState,
  projectId: string,
  name: string,
  mode: EnvironmentModeEnum,
  clusterId?: string,
): EnvironmentRecord {
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
  stagesOf(state, id);
  return record;
}

export function existingProject(state: StandInState, projectId: string): void {
  if (!state.projects.has(projectId)) throw new HttpProblem(404, 'Project not found');
}

export function uniqueEnvironmentName(state: StandInState, projectId: string, name: string): void {
  for (const env of state.environments.values()) {
    if (env.resource.project.id === projectId && env.resource.name.toLowerCase() === name.toLowerCase()) {
      throw new HttpProblem(409, 'Environment name within the project is already taken');
    }
  }
}

export function environmentStatus(record: EnvironmentRecord): EnvironmentStatus {
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

function environmentsOf(state: StandInState, projectId: string): EnvironmentRecord[] {
  existingProject(state, projectId);
  return [...state.environments.values()].filter((env) => env.resource.project.id === projectId);
}

const createEnvironment: Handler = ({ state }, [projectId = ''], body) => {
  existingProject(state, projectId);
  const request = requestBody<CreateEnvironmentRequest>(body, ['name']);
  uniqueEnvironmentName(state, projectId, request.name);
  const mode = request.mode ?? 'DEVELOPMENT';
  const record = newEnvironment(state, projectId, request.name, mode, request.cluster);
  return { status: 201, body: record.resource };
};

const listEnvironments: Handler = ({ state }, [projectId = '']) => ({
  status: 200,
  body: { results: environmentsOf(state, projectId).map((env) => env.resource) },
});

const listEnvironmentStatuses: Handler = ({ state }, [projectId = '']) => ({
  status: 200,
  body: { results: environmentsOf(state, projectId).map(environmentStatus) },
});

const getEnvironment: Handler = ({ state }, [id = '']) => ({
  status: 200,
  body: environmentById(state, id).resource,
});

const getEnvironmentStatus: Handler = ({ state }, [id = '']) => ({
  status: 200,
  body: environmentStatus(environmentById(state, id)),
});

/** Deletion takes two steps, then the environment goes with its services, jobs and stages. */
const deleteEnvironment: Handler = (context, [id = '']) => {
  const { state } = context;
  const record = environmentById(state, id);
  if (record.state !== 'DELETE_QUEUED' && record.state !== 'DELETING') {
    transition(context, record, ['DELETE_QUEUED', 'DELETING'], () => {
      for (const service of servicesOf(state, id)) {
        state.services.delete(service.resource.id);
        state.links.delete(service.resource.id);
      }
      for (const j of jobsOf(state, id)) state.jobs.delete(j.resource.id);
      for (const stage of stagesOf(state, id)) state.stages.delete(stage.resource.id);
      state.environments.delete(id);
    });
  }
  return { status: 204 };
};

export const environmentRoutes: Route[] = [
  ['POST', /^\/project\/([^/]+)\/environment$/, createEnvironment],
  ['GET', /^\/project\/([^/]+)\/environment$/, listEnvironments],
  ['GET', /^\/project\/([^/]+)\/environment\/status$/, listEnvironmentStatuses],
  ['GET', /^\/environment\/([^/]+)$/, getEnvironment],
  ['DELETE', /^\/environment\/([^/]+)$/, deleteEnvironment],
  ['GET', /^\/environment\/([^/]+)\/status$/, getEnvironmentStatus],
];
