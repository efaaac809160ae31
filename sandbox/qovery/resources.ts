/** What Qovery's answers share: the organization, registry and cluster ids, times and short ids. */

export const ORGANIZATION_ID = '00000000-0000-4000-8000-00000000000a';
/** The Docker Hub registry a stand-in has linked in its organization unless told otherwise. */
export const LOCAL_REGISTRY_ID = '00000000-0000-4000-8000-0000000d0c4e';
export const DEFAULT_CLUSTER_ID = '00000000-0000-4000-8000-0000000000c1';
export const DOCKER_HUB = {
  id: '',
  name: 'Docker Hub',
  url: 'https://docker.io',
  kind: 'DOCKER_HUB',
} as const;

export const now = () => new Date().toISOString();

/** The first group of a uuid: what Qovery's host names and BUILT_IN variable names use. */
export function shortId(id: string): string {
  return id.split('-')[0] ?? id;
}

/** What Qovery answers alike for a container and a job: identity, environment, resources. */
export function serviceBase(
  id: string,
  environmentId: string,
  body: { name: string; description?: string; cpu?: number; memory?: number; gpu?: number },
) {
  return {
    id,
    created_at: now(),
    environment: { id: environmentId },
    maximum_cpu: 4000,
    maximum_memory: 8192,
    maximum_gpu: 0,
    name: body.name,
    ...(body.description === undefined ? {} : { description: body.description }),
    cpu: body.cpu ?? 500,
    memory: body.memory ?? 512,
    gpu: body.gpu ?? 0,
  };
}
