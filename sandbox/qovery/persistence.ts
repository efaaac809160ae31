import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { StateEnum } from 'qovery-typescript-axios';
import type { StandInState } from './state';

/**
 * The stand-in's state on disk (`npm start` keeps it in `.local/qovery/state.json`), so that the
 * projects of a previous run still exist on the local "Qovery" after a restart. Maps and Sets are
 * written as tagged arrays; secrets in it are the stand-in's own fake ones.
 */

const replacer = (_key: string, value: unknown) =>
  value instanceof Map
    ? { $map: [...value.entries()] }
    : value instanceof Set
      ? { $set: [...value.values()] }
      : value;

const reviver = (_key: string, value: unknown) => {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const tagged = value as { $map?: [unknown, unknown][]; $set?: unknown[] };
    if (Array.isArray(tagged.$map) && Object.keys(value).length === 1) return new Map(tagged.$map);
    if (Array.isArray(tagged.$set) && Object.keys(value).length === 1) return new Set(tagged.$set);
  }
  return value;
};

export function saveState(file: string, state: StandInState): void {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(state, replacer), { mode: 0o600 });
  renameSync(temporary, file);
}

/**
 * Loads a saved state into `state`. Operations that were under way when the stand-in stopped are
 * finished, as Qovery would have finished them meanwhile: a deployment ends DEPLOYED (or
 * DEPLOYMENT_ERROR when its checks had failed), a stop STOPPED, a cancellation CANCELED, a deletion
 * removes the environment.
 */
export function loadState(file: string, state: StandInState): boolean {
  if (!existsSync(file)) return false;
  const saved = JSON.parse(readFileSync(file, 'utf8'), reviver) as StandInState;
  for (const id of saved.projects) state.projects.add(id);
  for (const id of saved.registries) state.registries.add(id);
  for (const [id, env] of saved.environments) state.environments.set(id, env);
  for (const [id, service] of saved.services) state.services.set(id, service);
  for (const [id, links] of saved.links) state.links.set(id, links);
  // Files written before the stand-in had jobs and stages have neither.
  for (const [id, job] of saved.jobs ?? []) state.jobs.set(id, job);
  for (const [id, stage] of saved.stages ?? []) state.stages.set(id, stage);
  for (const [id, env] of state.environments) {
    const settled = settle(env.state, env.deploymentProblems?.length > 0);
    if (settled === 'GONE') {
      state.environments.delete(id);
      for (const [serviceId, service] of state.services) {
        if (service.environmentId === id) {
          state.services.delete(serviceId);
          state.links.delete(serviceId);
        }
      }
    } else if (settled !== env.state) {
      env.state = settled;
      env.lastDeploymentState = settled;
    }
  }
  // A job whose run was under way ended as its environment's deployment did.
  for (const [id, job] of state.jobs) {
    const env = state.environments.get(job.environmentId);
    if (!env) state.jobs.delete(id);
    else if (job.state === 'DEPLOYMENT_QUEUED' && job.inLastDeployment)
      job.state = env.state === 'DEPLOYED' ? 'DEPLOYED' : 'DEPLOYMENT_ERROR';
  }
  for (const [id, stage] of state.stages) {
    if (!state.environments.has(stage.environmentId)) state.stages.delete(id);
  }
  return true;
}

function settle(current: StateEnum, failed: boolean): StateEnum | 'GONE' {
  if (current.includes('DELET')) return 'GONE';
  if (current.includes('STOP')) return 'STOPPED';
  if (current === 'CANCELING') return 'CANCELED';
  if (
    current.includes('RESTART') ||
    ['QUEUED', 'BUILDING', 'DEPLOYMENT_QUEUED', 'WAITING_RUNNING', 'DEPLOYING', 'EXECUTING'].includes(current)
  ) {
    return failed ? 'DEPLOYMENT_ERROR' : 'DEPLOYED';
  }
  return current;
}
