/** How values reach Qovery: host references resolved to BUILT_IN variables, and the import body. */
import type { VariableImportRequest } from 'qovery-typescript-axios';
import type { Value } from './variables';

/** Qovery's BUILT_IN variable name for a service, e.g. QOVERY_CONTAINER_Z04308DE2_HOST_INTERNAL. */
export function builtInName(
  type: 'CONTAINER' | 'REDIS',
  serviceId: string,
  spec: 'HOST_INTERNAL' | 'HOST_EXTERNAL' | 'PORT' | 'LOGIN' | 'PASSWORD',
): string {
  const short = serviceId.split('-')[0]?.toUpperCase() ?? '';
  if (!/^[0-9A-F]{8}$/.test(short)) throw new TypeError('A Qovery service id must be a uuid');
  return `QOVERY_${type}_Z${short}_${spec}`;
}

/** Container ids by service name. */
export type ServiceIds = Readonly<Record<string, string>>;

/** Replaces `{service}` with that service's internal host and `{public}` with the proxy's domain. */
export function interpolateHosts(text: string, ids: ServiceIds): string {
  return text.replace(/\{([a-z0-9-]+)\}/g, (_, name: string) => {
    const id = ids[name === 'public' ? 'proxy' : name];
    if (!id) throw new TypeError(`No service named ${name} in this instance`);
    return `{{${builtInName('CONTAINER', id, name === 'public' ? 'HOST_EXTERNAL' : 'HOST_INTERNAL')}}}`;
  });
}

/**
 * The import body of one call: `overwrite` true (so the call can be repeated, and a cloned
 * template's values are replaced), secrets flagged as such.
 */
export function variablesImport(
  groups: { scope: 'ENVIRONMENT' | 'CONTAINER'; vars: Record<string, Value> }[],
  ids: ServiceIds,
): VariableImportRequest {
  return {
    overwrite: true,
    vars: groups.flatMap(({ scope, vars }) =>
      Object.entries(vars).map(([name, value]) =>
        'hosts' in value
          ? { name, value: interpolateHosts(value.hosts, ids), scope, is_secret: false }
          : { name, value: value.value, scope, is_secret: value.secret },
      ),
    ),
  };
}
