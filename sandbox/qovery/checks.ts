/**
 * What would make a deployment fail on Qovery, or the instance crash once deployed. AppWrite's
 * services are recognised by image and entrypoint in lib/instances/blueprint/inventory.json, whose
 * `required` lists name the variables each cannot run without.
 */
import { type InventoryService, inventory } from '../../lib/instances/blueprint/inventory';
import { imageOfJob, onStartOf } from './jobs';
import { resolve, resolveVariables } from './resolve';
import { stagesOf } from './stages';
import { jobsOf, type StandInState, servicesOf } from './state';

/**
 * Per container: a `{{…}}` reference that resolves to nothing; a `--config <path>` argument whose
 * file is not a mounted file variable (Caddy would not start); and, for an AppWrite service, a
 * variable it cannot run without that is unset or empty (AppWrite's own set-up would not start
 * either).
 */
export function containerProblems(state: StandInState, environmentId: string): string[] {
  const problems: string[] = [];
  for (const service of servicesOf(state, environmentId)) {
    if (service.kind !== 'CONTAINER') continue;
    const { resource } = service;
    const { values, missing } = resolveVariables(state, resource.id);
    for (const name of missing) problems.push(`${resource.name}: {{${name}}} does not resolve`);
    const args = resource.arguments ?? [];
    args.forEach((arg, i) => {
      const path = arg === '--config' ? args[i + 1] : arg.startsWith('--config=') ? arg.slice(9) : undefined;
      if (path !== undefined && !service.files.has(path))
        problems.push(`${resource.name}: ${path} is not a mounted file variable`);
    });
    const known = inventoryServiceOf(resource);
    for (const name of known?.required ?? []) {
      if (!values[name]) problems.push(`${resource.name}: ${name} is required by AppWrite and not set`);
    }
  }
  return problems;
}

/**
 * Per lifecycle job that runs at deployment (`on_start`): a `{{…}}` reference that resolves to
 * nothing; a stage that deploys it before containers it needs (on Qovery the job would find no
 * database); and, for AppWrite's image, a required variable unset. AppWrite's set-up runs
 * `migrate` inside the API container (`docker compose exec appwrite migrate`), so a job of that
 * image with an entrypoint no service has (migrate) needs what the API needs.
 */
export function jobProblems(state: StandInState, environmentId: string): string[] {
  const problems: string[] = [];
  const stages = stagesOf(state, environmentId);
  const orderOf = (serviceId: string) =>
    stages.find((stage) => stage.serviceIds.includes(serviceId))?.resource.deployment_order ?? 0;
  const lastContainer = Math.max(
    -1,
    ...servicesOf(state, environmentId)
      .filter((service) => service.kind === 'CONTAINER')
      .map((service) => orderOf(service.resource.id)),
  );
  for (const record of jobsOf(state, environmentId)) {
    const onStart = onStartOf(record);
    if (!onStart) continue;
    const name = record.resource.name;
    const { values, missing } = resolve(state, record.environmentId, record.variables);
    for (const ref of missing) problems.push(`${name}: {{${ref}}} does not resolve`);
    if (orderOf(record.resource.id) <= lastContainer)
      problems.push(`${name}: deployed before the containers it needs (its stage comes first)`);
    const { image_name } = imageOfJob(record);
    const known =
      inventoryServiceOf({ image_name, entrypoint: onStart.entrypoint ?? null }) ??
      (image_name === 'appwrite/appwrite' ? inventory.services.appwrite : undefined);
    for (const variable of known?.required ?? []) {
      if (!values[variable]) problems.push(`${name}: ${variable} is required by AppWrite and not set`);
    }
  }
  return problems;
}

/** The service of AppWrite's set-up a container runs: same image (any tag) and entrypoint. */
function inventoryServiceOf(resource: {
  image_name: string;
  entrypoint?: string | null;
}): InventoryService | undefined {
  const entrypoint = resource.entrypoint ?? null;
  return Object.values(inventory.services).find((service) => {
    const at = service.image.lastIndexOf(':');
    const image = at === -1 ? service.image : service.image.slice(0, at);
    return image === resource.image_name && (service.entrypoint?.join(' ') ?? null) === entrypoint;
  });
}
