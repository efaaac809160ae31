/**
 * Containers (from an image of a registry linked in the organization) and their public links:
 * a container with a publicly accessible port gets a link like
 * `https://z1a2b3c4d-z5e6f7a8b-gtw.oom.sh`.
 */
import { randomUUID } from 'node:crypto';
import type { ContainerRequest, ContainerResponse, Link } from 'qovery-typescript-axios';
import type { Handler, Route } from './handler';
import { HttpProblem, requestBody } from './reply';
import { DOCKER_HUB, serviceBase, shortId } from './resources';
import { placeService } from './stages';
import {
  containerById,
  environmentById,
  type StandInState,
  type StoredVariable,
  servicesOf,
  uniqueServiceName,
  writable,
} from './state';

/** Adds a container to the containers' default stage; a clone passes the source's variables. */
export function addContainer(
  state: StandInState,
  environmentId: string,
  body: ContainerRequest,
  variables = new Map<string, StoredVariable>(),
  files = new Map<string, StoredVariable & { key: string }>(),
): ContainerResponse {
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
  placeService(state, environmentId, id, { name: 'CONTAINER DEFAULT' });
  const link = publicLink(resource, environmentId);
  if (link) state.links.set(id, [link]);
  return resource;
}

function publicLink(resource: ContainerResponse, environmentId: string): Link | undefined {
  const publicPort = resource.ports?.find((p) => p.publicly_accessible);
  if (!publicPort) return undefined;
  return {
    service_id: resource.id,
    service_type: 'CONTAINER',
    url: `https://z${shortId(resource.id)}-z${shortId(environmentId)}-gtw.oom.sh`,
    internal_port: publicPort.internal_port,
    external_port: publicPort.external_port ?? 443,
    is_qovery_domain: true,
    is_default: true,
  };
}

const listContainers: Handler = ({ state }, [id = '']) => {
  environmentById(state, id);
  const results = servicesOf(state, id).flatMap((s) => (s.kind === 'CONTAINER' ? [s.resource] : []));
  return { status: 200, body: { results } };
};

const createContainer: Handler = ({ state }, [id = ''], body) => {
  writable(environmentById(state, id));
  const request = requestBody<ContainerRequest>(body, ['name', 'registry_id', 'image_name', 'tag']);
  if (request.healthchecks === null || typeof request.healthchecks !== 'object') {
    throw new HttpProblem(400, 'healthchecks is required');
  }
  for (const storage of request.storage ?? []) {
    if (storage.size < 4) throw new HttpProblem(400, 'Minimum storage size is 4 GB');
  }
  if (!state.registries.has(request.registry_id)) {
    throw new HttpProblem(400, 'Container registry not found in the organization');
  }
  uniqueServiceName(state, id, request.name);
  return { status: 201, body: addContainer(state, id, request) };
};

const listLinks: Handler = ({ state }, [id = '']) => {
  containerById(state, id);
  return { status: 200, body: { results: state.links.get(id) ?? [] } };
};

export const containerRoutes: Route[] = [
  ['GET', /^\/environment\/([^/]+)\/container$/, listContainers],
  ['POST', /^\/environment\/([^/]+)\/container$/, createContainer],
  ['GET', /^\/container\/([^/]+)\/link$/, listLinks],
];
