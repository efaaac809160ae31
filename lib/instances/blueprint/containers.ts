/** Qovery's container of each service: image, size, ports, storage and health checks. */
import type { ContainerRequest, Healthcheck } from 'qovery-typescript-axios';
import type { InstanceSettings, QoverySettings } from './blueprint';
import { PROXY_IMAGE } from './proxy';
import { type ServiceSpec, sizeOf } from './services';
import { type Release, releases } from './versions';

export function releaseOf(settings: InstanceSettings): Release {
  const release = releases[settings.version];
  if (!release) throw new TypeError(`Unknown AppWrite release: ${settings.version}`);
  return release;
}

/** Image name and tag of a service for a release. */
export function imageOf(spec: ServiceSpec, release: Release): { image_name: string; tag: string } {
  switch (spec.image) {
    case 'appwrite':
      return { image_name: 'appwrite/appwrite', tag: release.appwrite };
    case 'console':
      return { image_name: 'appwrite/console', tag: release.console };
    case 'mariadb':
      return { image_name: 'mariadb', tag: release.mariadb };
    case 'redis':
      return { image_name: 'redis', tag: release.redis };
    case 'browser':
      return { image_name: 'appwrite/browser', tag: release.browser ?? '0.3.3' };
    case 'proxy':
      return { image_name: PROXY_IMAGE.name, tag: PROXY_IMAGE.tag };
  }
}

function healthchecks(spec: ServiceSpec): Healthcheck {
  if (!spec.port) return {};
  const port = spec.port.number;
  const check = spec.readyPath ? { http: { path: spec.readyPath, port, scheme: 'HTTP' } } : { tcp: { port } };
  // AppWrite's API takes up to 2 minutes on a first start (its compose: start_period 120s).
  const slow = spec.name === 'appwrite' || spec.image === 'mariadb';
  return {
    readiness_probe: {
      type: check,
      initial_delay_seconds: slow ? 30 : 5,
      period_seconds: 10,
      failure_threshold: slow ? 12 : 6,
    },
    liveness_probe: {
      type: { tcp: { port } },
      initial_delay_seconds: slow ? 120 : 30,
      period_seconds: 20,
    },
  };
}

export function containerRequest(
  settings: QoverySettings,
  spec: ServiceSpec,
  release: Release = releaseOf(settings.instance),
): ContainerRequest {
  const size = sizeOf(settings.instance, spec.name);
  return {
    name: spec.name,
    description: `AppWrite ${spec.name} (managed by AppWrite Cloud)`,
    registry_id: settings.registryId,
    ...imageOf(spec, release),
    ...(spec.entrypoint ? { entrypoint: spec.entrypoint } : {}),
    ...(spec.arguments ? { arguments: spec.arguments } : {}),
    cpu: size.cpu,
    memory: size.memory,
    min_running_instances: 1,
    max_running_instances: 1,
    ports: spec.port
      ? [
          {
            name: spec.port.protocol === 'HTTP' ? 'http' : 'tcp',
            internal_port: spec.port.number,
            publicly_accessible: spec.port.public === true,
            protocol: spec.port.protocol,
            ...(spec.port.public ? { external_port: 443, is_default: true } : {}),
          },
        ]
      : [],
    storage:
      spec.mount && size.storage ? [{ type: 'FAST_SSD', size: size.storage, mount_point: spec.mount }] : [],
    healthchecks: healthchecks(spec),
    auto_preview: false,
    auto_deploy: false,
  };
}
