import { createLogger } from '../../lib/basics/log';
import type { QoverySettings } from '../../lib/instances/blueprint/blueprint';
import { createInstances, type Instances, type InstancesOptions } from '../../lib/instances/instances';
import { createProjects, type Projects, type ProjectsDeps } from '../../lib/instances/projects';
import { createQoveryClient } from '../../lib/platform/qovery/client';
import { LOCAL_REGISTRY_ID, type QoveryStandIn, startQoveryStandIn } from '../../sandbox/qovery';
import { startTestHasura, type TestHasura } from './hasura';
import { instanceSettings, memoryStorage } from './instance';

/** The Qovery token and project of the control plane's tests (the stand-in knows both). */
export const QOVERY_TOKEN = 'qov-test-token';
export const QOVERY_PROJECT = '00000000-0000-4000-8000-0000000000aa';

export interface StandIns {
  hasura: TestHasura;
  qovery: QoveryStandIn;
}

/** The Hasura stand-in with this repository's schema, and a Qovery stand-in that knows QOVERY_PROJECT. */
export async function startStandIns(options: { stepMs?: number } = {}): Promise<StandIns> {
  const [hasura, qovery] = await Promise.all([
    startTestHasura(),
    startQoveryStandIn({ token: QOVERY_TOKEN, stepMs: options.stepMs ?? 30, projectIds: [QOVERY_PROJECT] }),
  ]);
  return { hasura, qovery };
}

export async function closeStandIns({ hasura, qovery }: StandIns): Promise<void> {
  await Promise.all([hasura.close(), qovery.close()]);
}

/**
 * Between two tests: no fault, environment or recorded call left on Qovery, empty tables, then one
 * verified user per email (ids 1, 2, … in that order).
 */
export async function resetStandIns(
  { hasura, qovery }: StandIns,
  emails = ['ada@example.com'],
): Promise<void> {
  qovery.faults.clear();
  qovery.state.environments.clear();
  qovery.calls.length = 0;
  await hasura.emptyTables();
  for (const email of emails)
    await hasura.db.query(
      `INSERT INTO "user" (email, password_hash, email_verified) VALUES ($1, 'x', true)`,
      [email],
    );
}

/** The Qovery settings of instances on that stand-in: its project, its local registry, the defaults. */
export function standInSettings(
  qovery: QoveryStandIn,
  overrides: Partial<QoverySettings> = {},
): QoverySettings {
  return {
    apiUrl: qovery.url,
    token: QOVERY_TOKEN,
    projectId: QOVERY_PROJECT,
    registryId: LOCAL_REGISTRY_ID,
    instance: instanceSettings,
    ...overrides,
  };
}

/**
 * lib/instances/instances on that stand-in, built as the runtime builds it but for the client's
 * back-off, which does not wait here (each attempt still has `timeoutMs`), and a silent log.
 */
export function standInInstances(
  qovery: QoveryStandIn,
  options: Omit<Partial<InstancesOptions>, 'client' | 'settings'> & {
    timeoutMs?: number;
    settings?: Partial<QoverySettings>;
  } = {},
): Instances {
  const { timeoutMs = 5000, settings, ...rest } = options;
  const client = createQoveryClient({
    baseUrl: qovery.url,
    token: QOVERY_TOKEN,
    timeoutMs,
    retries: 2,
    sleep: async () => {},
  });
  return createInstances({
    client,
    settings: standInSettings(qovery, settings),
    log: createLogger({ level: 'silent' }),
    ...rest,
  });
}

/**
 * lib/instances/projects on those stand-ins: their instances, an in-memory storage, 3 projects a user,
 * verified e-mails required (the production defaults); `overrides` replace any of them.
 */
export function standInProjects(
  { hasura, qovery }: StandIns,
  overrides: Partial<ProjectsDeps> = {},
): Projects {
  return createProjects({
    hasura: hasura.client,
    instances: standInInstances(qovery),
    storage: memoryStorage(),
    maxProjectsPerUser: 3,
    requireEmailVerification: true,
    ...overrides,
  });
}
