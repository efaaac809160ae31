/**
 * The environment actions that move it through Qovery's states: deploy (all of it, or with new
 * image tags for listed services), cancel a deployment, stop. At every deployment each lifecycle
 * job with `on_start` runs once and its run is recorded; the checks of checks.ts, and a run a
 * test made fail (`failNextRun`), end it in DEPLOYMENT_ERROR.
 */
import { randomUUID } from 'node:crypto';
import type { DeployAllRequest, Status } from 'qovery-typescript-axios';
import { containerProblems, jobProblems } from './checks';
import type { Context } from './context';
import { environmentStatus } from './environments';
import type { Handler, Route } from './handler';
import { imageOfJob, onStartOf } from './jobs';
import { HttpProblem, requestBody } from './reply';
import { now } from './resources';
import {
  containerById,
  type EnvironmentRecord,
  environmentById,
  type JobRecord,
  jobById,
  jobsOf,
} from './state';
import { CANCELLABLE, IN_PROGRESS, transition } from './transitions';

/** The problems of the runs a test made fail (`failNextRun`), each taken once. */
function takeFailingRuns(context: Context, runs: JobRecord[]): string[] {
  return runs.flatMap((j) => {
    const reason = context.failingRuns.get(j.resource.id);
    if (reason === undefined) return [];
    context.failingRuns.delete(j.resource.id);
    return [`${j.resource.name}: ${reason}`];
  });
}

/**
 * As the deployment ends, each job that was to run ends DEPLOYED, DEPLOYMENT_ERROR with problems of
 * its own, or CANCELED when only others' problems stopped it; each one that ran gets its run recorded.
 */
function recordRuns(
  record: EnvironmentRecord,
  runs: JobRecord[],
  deployment: { id: string; broken: boolean },
): void {
  const { broken } = deployment;
  for (const j of runs) {
    const own = record.deploymentProblems.some((p) => p.startsWith(`${j.resource.name}:`));
    const ran = !broken || own;
    j.state = !broken ? 'DEPLOYED' : own ? 'DEPLOYMENT_ERROR' : 'CANCELED';
    if (!ran) continue;
    const schedule = onStartOf(j);
    const { image_name, tag } = imageOfJob(j);
    j.runs.push({
      deploymentId: deployment.id,
      image: `${image_name}:${tag}`,
      entrypoint: schedule?.entrypoint ?? null,
      arguments: schedule?.arguments ?? [],
      ok: !own,
    });
  }
}

/**
 * Starts a deployment of the environment: every check (containers and lifecycle jobs) decides
 * how it ends; each job that runs at deployment is recorded, with the image it ran.
 */
function startDeployment(context: Context, id: string, record: EnvironmentRecord): void {
  const { state } = context;
  const problemsOfContainers = containerProblems(state, id);
  const problemsOfJobs = jobProblems(state, id);
  const runs = jobsOf(state, id).filter((j) => onStartOf(j) !== undefined);
  const failing = takeFailingRuns(context, runs);
  record.deploymentProblems = [...problemsOfContainers, ...problemsOfJobs, ...failing];
  const broken = record.deploymentProblems.length > 0;
  const deploymentId = randomUUID();
  record.lastDeploymentId = deploymentId;
  record.lastDeploymentDate = now();
  for (const j of jobsOf(state, id)) j.inLastDeployment = false;
  for (const j of runs) {
    j.state = 'DEPLOYMENT_QUEUED';
    j.inLastDeployment = true;
    j.lastDeploymentDate = record.lastDeploymentDate;
    j.deploymentRequestId = deploymentId;
  }
  const steps = ['DEPLOYMENT_QUEUED', 'DEPLOYING', broken ? 'DEPLOYMENT_ERROR' : 'DEPLOYED'] as const;
  const deployment = { id: deploymentId, broken };
  transition(context, record, [...steps], undefined, () => recordRuns(record, runs, deployment));
}

function idle(record: EnvironmentRecord): void {
  if (IN_PROGRESS.has(record.state)) throw new HttpProblem(409, 'Operation is in progress');
}

const deploy: Handler = (context, [id = '']) => {
  const record = environmentById(context.state, id);
  idle(record);
  startDeployment(context, id, record);
  const status: Status = {
    id,
    state: record.state,
    service_deployment_status: 'OUT_OF_DATE',
    last_deployment_date: record.lastDeploymentDate ?? undefined,
    is_part_last_deployment: true,
    status_details: { action: 'DEPLOY', status: 'QUEUED', sub_action: 'NONE' },
    deployment_request_id: record.lastDeploymentId,
    deployment_requests_count: 1,
  };
  return { status: 202, body: status };
};

/** Gives the listed containers and jobs their new image tags, then deploys. */
const deployServices: Handler = (context, [id = ''], body) => {
  const { state } = context;
  const record = environmentById(state, id);
  const request = requestBody<DeployAllRequest>(body ?? {}, []);
  idle(record);
  // Check every id first: nothing changes unless the whole request is good.
  const containers = (request.containers ?? []).map((c) => {
    const found = containerById(state, c.id);
    if (found.environmentId !== id) throw new HttpProblem(400, 'Container not in this environment');
    return { record: found, tag: c.image_tag };
  });
  const jobs = (request.jobs ?? []).map((j) => {
    const found = jobById(state, j.id ?? '');
    if (found.environmentId !== id) throw new HttpProblem(400, 'Job not in this environment');
    return { record: found, tag: j.image_tag };
  });
  for (const c of containers) if (c.tag) c.record.resource.tag = c.tag;
  for (const j of jobs) {
    const image = (j.record.resource.source as { image?: { tag: string } }).image;
    if (j.tag && image) image.tag = j.tag;
  }
  startDeployment(context, id, record);
  return { status: 202, body: environmentStatus(record) };
};

const cancelDeployment: Handler = (context, [id = '']) => {
  const record = environmentById(context.state, id);
  if (!CANCELLABLE.has(record.state)) {
    throw new HttpProblem(409, 'Environment deployment is already cancelled or an operation is in progress');
  }
  transition(context, record, ['CANCELING', 'CANCELED']);
  return { status: 202, body: environmentStatus(record) };
};

const stop: Handler = (context, [id = '']) => {
  const record = environmentById(context.state, id);
  if (IN_PROGRESS.has(record.state) || record.state === 'STOPPED' || record.state === 'READY') {
    throw new HttpProblem(409, 'Environment is already stopped or an operation is in progress');
  }
  transition(context, record, ['STOP_QUEUED', 'STOPPING', 'STOPPED']);
  return { status: 202, body: environmentStatus(record) };
};

export const deploymentRoutes: Route[] = [
  ['POST', /^\/environment\/([^/]+)\/deploy$/, deploy],
  ['POST', /^\/environment\/([^/]+)\/cancelDeployment$/, cancelDeployment],
  ['POST', /^\/environment\/([^/]+)\/stop$/, stop],
  ['POST', /^\/environment\/([^/]+)\/service\/deploy$/, deployServices],
];
