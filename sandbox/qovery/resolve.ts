/**
 * A service's variables as Qovery injects them: its BUILT_IN variables, then the environment's,
 * then the service's own, with `{{NAME}}` interpolations resolved.
 */
import { shortId } from './resources';
import {
  containerById,
  type DatabaseRecord,
  environmentById,
  type StandInState,
  type StoredVariable,
  servicesOf,
} from './state';

export interface Resolved {
  values: Record<string, string>;
  /** References that resolve to nothing. */
  missing: string[];
}

/** The variables of a container or a job. */
export function resolveVariables(state: StandInState, serviceId: string): Resolved {
  const record = state.jobs.get(serviceId) ?? containerById(state, serviceId);
  return resolve(state, record.environmentId, record.variables);
}

/** BUILT_IN, then environment, then the service's own variables, `{{…}}` resolved. */
export function resolve(
  state: StandInState,
  environmentId: string,
  own: Map<string, StoredVariable>,
): Resolved {
  const env = environmentById(state, environmentId);
  const raw: Record<string, string> = { ...builtIns(state, environmentId) };
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

/** Qovery's BUILT_IN variables of an environment: QOVERY_<TYPE>_Z<short id>_<SPEC>. */
function builtIns(state: StandInState, environmentId: string): Record<string, string> {
  const env = environmentById(state, environmentId);
  const values: Record<string, string> = {
    QOVERY_PROJECT_ID: env.resource.project.id,
    QOVERY_ENVIRONMENT_ID: environmentId,
  };
  for (const service of servicesOf(state, environmentId)) {
    const short = shortId(service.resource.id).toUpperCase();
    if (service.kind === 'CONTAINER') {
      const prefix = `QOVERY_CONTAINER_Z${short}`;
      values[`${prefix}_HOST_INTERNAL`] =
        `app-z${short.toLowerCase()}-${service.resource.name.toLowerCase()}`;
      const link = state.links.get(service.resource.id)?.[0];
      if (link) values[`${prefix}_HOST_EXTERNAL`] = new URL(link.url).host;
    } else {
      Object.assign(values, databaseBuiltIns(service, short));
    }
  }
  return values;
}

function databaseBuiltIns(service: DatabaseRecord, short: string): Record<string, string> {
  const db = service.resource;
  const prefix = `QOVERY_${db.type}_Z${short}`;
  const login = db.type === 'REDIS' ? 'default' : 'superuser';
  const internal = `${db.host ?? ''}.internal`;
  const url = (host: string) =>
    `${db.type.toLowerCase()}://${login}:${service.password}@${host}:${db.port ?? 0}/${db.type === 'REDIS' ? '0' : 'postgres'}`;
  return {
    [`${prefix}_HOST`]: db.host ?? '',
    [`${prefix}_HOST_INTERNAL`]: internal,
    [`${prefix}_PORT`]: String(db.port ?? 0),
    [`${prefix}_LOGIN`]: login,
    [`${prefix}_PASSWORD`]: service.password,
    [`${prefix}_DEFAULT_DATABASE_NAME`]: db.type === 'REDIS' ? '0' : 'postgres',
    [`${prefix}_DATABASE_URL`]: url(db.host ?? ''),
    [`${prefix}_DATABASE_URL_INTERNAL`]: url(internal),
  };
}
