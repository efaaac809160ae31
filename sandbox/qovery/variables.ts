/**
 * Variables: a container's imports (CONTAINER or ENVIRONMENT scope) and single CONTAINER-scoped
 * variables, a `mount_path` making one a file. Secret values are never answered back.
 */
import { randomUUID } from 'node:crypto';
import type {
  VariableImport,
  VariableImportRequest,
  VariableRequest,
  VariableResponse,
} from 'qovery-typescript-axios';
import type { Handler, Route } from './handler';
import { HttpProblem, requestBody } from './reply';
import { now } from './resources';
import { type ContainerRecord, containerById, environmentById, type StandInState, writable } from './state';

/** A name Qovery takes for a variable: an identifier outside its own QOVERY_ prefix. */
function validName(name: unknown): name is string {
  return typeof name === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !name.startsWith('QOVERY_');
}

type ImportedVariable = VariableImportRequest['vars'][number];

/** Stores one imported variable in its scope; false when it exists and may not be overwritten. */
function importOne(
  state: StandInState,
  record: ContainerRecord,
  v: ImportedVariable,
  overwrite: boolean,
): boolean {
  if (!validName(v.name)) throw new HttpProblem(400, 'Invalid variable name');
  if (typeof v.value !== 'string' || typeof v.is_secret !== 'boolean') {
    throw new HttpProblem(400, 'Invalid variable');
  }
  const target =
    v.scope === 'CONTAINER'
      ? record.variables
      : v.scope === 'ENVIRONMENT'
        ? environmentById(state, record.environmentId).variables
        : undefined;
  if (!target) throw new HttpProblem(400, 'Unsupported scope');
  if (target.has(v.name) && !overwrite) return false;
  target.set(v.name, { id: randomUUID(), value: v.value, isSecret: v.is_secret });
  return true;
}

const importVariables: Handler = ({ state }, [id = ''], body) => {
  const record = containerById(state, id);
  writable(environmentById(state, record.environmentId));
  const request = requestBody<VariableImportRequest>(body, []);
  if (typeof request.overwrite !== 'boolean' || !Array.isArray(request.vars)) {
    throw new HttpProblem(400, 'overwrite and vars are required');
  }
  const result: VariableImport = {
    total_variables_to_import: request.vars.length,
    successful_imported_variables: [],
  };
  for (const v of request.vars) {
    if (!importOne(state, record, v, request.overwrite)) continue;
    result.successful_imported_variables.push({
      name: v.name,
      scope: v.scope,
      is_secret: v.is_secret,
      ...(v.is_secret ? {} : { value: v.value }),
    });
  }
  return { status: 201, body: result };
};

const createVariable: Handler = ({ state }, _params, body) => {
  const request = requestBody<VariableRequest>(body, ['key', 'variable_scope', 'variable_parent_id']);
  if (typeof request.value !== 'string' || typeof request.is_secret !== 'boolean') {
    throw new HttpProblem(400, 'value and is_secret are required');
  }
  if (!validName(request.key)) throw new HttpProblem(400, 'Invalid variable name');
  if (request.variable_scope !== 'CONTAINER') throw new HttpProblem(400, 'Unsupported scope');
  const record = containerById(state, request.variable_parent_id);
  writable(environmentById(state, record.environmentId));
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
};

export const variableRoutes: Route[] = [
  ['POST', /^\/container\/([^/]+)\/environmentVariable\/import$/, importVariables],
  ['POST', /^\/variable$/, createVariable],
];
