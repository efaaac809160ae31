/** Databases (Redis, MySQL, PostgreSQL, MongoDB), each with a generated password. */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Database, DatabaseRequest } from 'qovery-typescript-axios';
import type { Handler, Route } from './handler';
import { HttpProblem, requestBody } from './reply';
import { now, shortId } from './resources';
import { placeService } from './stages';
import { environmentById, type StandInState, servicesOf, uniqueServiceName, writable } from './state';

const DATABASE_PORTS: Record<string, number> = { REDIS: 6379, MYSQL: 3306, POSTGRESQL: 5432, MONGODB: 27017 };

/** Adds a database, with a new password, to the databases' default stage. */
export function addDatabase(state: StandInState, environmentId: string, body: DatabaseRequest): Database {
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
  placeService(state, environmentId, id, { name: 'DATABASE DEFAULT' });
  return resource;
}

const listDatabases: Handler = ({ state }, [id = '']) => {
  environmentById(state, id);
  const results = servicesOf(state, id).flatMap((s) => (s.kind === 'DATABASE' ? [s.resource] : []));
  return { status: 200, body: { results } };
};

const createDatabase: Handler = ({ state }, [id = ''], body) => {
  writable(environmentById(state, id));
  const request = requestBody<DatabaseRequest>(body, ['name', 'type', 'version', 'mode']);
  if (!(request.type in DATABASE_PORTS)) throw new HttpProblem(400, 'Unknown database type');
  if (request.mode !== 'CONTAINER' && request.mode !== 'MANAGED') throw new HttpProblem(400, 'Unknown mode');
  uniqueServiceName(state, id, request.name);
  return { status: 201, body: addDatabase(state, id, request) };
};

export const databaseRoutes: Route[] = [
  ['GET', /^\/environment\/([^/]+)\/database$/, listDatabases],
  ['POST', /^\/environment\/([^/]+)\/database$/, createDatabase],
];
