/**
 * Deployment stages. A new environment has Qovery's default ones, where each service goes by its
 * type: databases, then jobs, then containers (so by default a lifecycle job runs before the
 * containers are up). A stage created through the API comes after them.
 */
import { randomUUID } from 'node:crypto';
import type { DeploymentStageRequest, DeploymentStageResponse } from 'qovery-typescript-axios';
import type { Handler, Route } from './handler';
import { HttpProblem, requestBody } from './reply';
import { now } from './resources';
import { environmentById, type StageRecord, type StandInState, writable } from './state';

/** Qovery's default deployment stages of an environment, in order (services go by type). */
const DEFAULT_STAGES = ['DATABASE DEFAULT', 'JOB DEFAULT', 'CONTAINER DEFAULT'] as const;

/** An environment's deployment stages, in deployment order; the default ones made on first use. */
export function stagesOf(state: StandInState, environmentId: string): StageRecord[] {
  let list = [...state.stages.values()].filter((stage) => stage.environmentId === environmentId);
  if (list.length === 0) {
    for (const name of DEFAULT_STAGES) addStage(state, environmentId, name);
    list = [...state.stages.values()].filter((stage) => stage.environmentId === environmentId);
  }
  return list.sort((a, b) => (a.resource.deployment_order ?? 0) - (b.resource.deployment_order ?? 0));
}

export function addStage(
  state: StandInState,
  environmentId: string,
  name: string,
  description?: string,
): StageRecord {
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
export function placeService(
  state: StandInState,
  environmentId: string,
  serviceId: string,
  stage: { id?: string; name?: string },
): void {
  const stages = stagesOf(state, environmentId);
  const target = stages.find((s) => s.resource.id === stage.id || s.resource.name === stage.name);
  if (!target) throw new HttpProblem(404, 'Deployment stage not found');
  for (const s of stages) s.serviceIds = s.serviceIds.filter((id) => id !== serviceId);
  target.serviceIds.push(serviceId);
}

function stageResponse(state: StandInState, stage: StageRecord): DeploymentStageResponse {
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

const listStages: Handler = ({ state }, [id = '']) => {
  environmentById(state, id);
  return { status: 200, body: { results: stagesOf(state, id).map((stage) => stageResponse(state, stage)) } };
};

const createStage: Handler = ({ state }, [id = ''], body) => {
  writable(environmentById(state, id));
  const request = requestBody<DeploymentStageRequest>(body, ['name']);
  const taken = request.name.toLowerCase();
  if (stagesOf(state, id).some((stage) => stage.resource.name?.toLowerCase() === taken))
    throw new HttpProblem(400, 'A deployment stage with this name already exists');
  const stage = addStage(state, id, request.name, request.description ?? undefined);
  return { status: 200, body: stageResponse(state, stage) };
};

const moveService: Handler = ({ state }, [stageId = '', serviceId = '']) => {
  const stage = state.stages.get(stageId);
  if (!stage) throw new HttpProblem(404, 'Deployment stage not found');
  const owner = state.jobs.get(serviceId)?.environmentId ?? state.services.get(serviceId)?.environmentId;
  if (owner !== stage.environmentId) throw new HttpProblem(404, 'Service not found');
  placeService(state, stage.environmentId, serviceId, { id: stageId });
  const results = stagesOf(state, stage.environmentId).map((s) => stageResponse(state, s));
  return { status: 200, body: { results } };
};

export const stageRoutes: Route[] = [
  ['GET', /^\/environment\/([^/]+)\/deploymentStage$/, listStages],
  ['POST', /^\/environment\/([^/]+)\/deploymentStage$/, createStage],
  ['PUT', /^\/deploymentStage\/([^/]+)\/service\/([^/]+)$/, moveService],
];
