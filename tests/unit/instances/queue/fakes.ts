/**
 * Stand-ins in memory for the queue's unit tests (no process, no network): a Hasura that answers
 * each operation by its name and records every request, an instance port that records its calls,
 * a storage and a logger that keep what they were asked.
 */
import type { Logger } from '../../../../lib/basics/log';
import type { InstancePort } from '../../../../lib/instances/projects/types';
import type { ClaimedTask, QueueDeps, TaskCaller } from '../../../../lib/instances/queue/types';
import type { HasuraClient } from '../../../../lib/platform/hasura/client';
import type { ProjectRow } from '../../../../lib/platform/hasura/documents';

export const NOW = Date.parse('2026-03-01T10:00:00Z');
export const DEADLINE = NOW + 25_000;

export interface Request {
  op: string;
  variables: Record<string, unknown>;
  options: unknown;
}

type Answer = unknown | ((variables: Record<string, unknown>) => unknown);

/** A Hasura whose answer to each operation (by name) is given; an operation not given fails the test. */
export function fakeHasura(answers: Record<string, Answer> = {}) {
  const requests: Request[] = [];
  const hasura: HasuraClient = {
    async request(doc, variables, options) {
      const op = /(?:query|mutation) (\w+)/.exec(String(doc))?.[1] ?? '?';
      requests.push({ op, variables: variables as Record<string, unknown>, options });
      if (!(op in answers)) throw new Error(`unexpected ${op}`);
      const answer = answers[op];
      const value = typeof answer === 'function' ? answer(variables) : answer;
      if (value instanceof Error) throw value;
      return value as never;
    },
  };
  return { hasura, requests, ops: () => requests.map((request) => request.op) };
}

export function projectRow(over: Partial<ProjectRow> = {}): ProjectRow {
  return {
    id: 7,
    name: 'shop',
    status: 'QUEUED',
    status_reason: 'Position 1',
    url: null,
    qovery_environment_id: 'env-7',
    qovery_appwrite_id: null,
    qovery_mariadb_id: null,
    created_at: '2026-03-01T09:00:00Z',
    status_changed_at: '2026-03-01T09:00:00Z',
    console_account_at: null,
    upgrade_error: null,
    bucket_stem: 'stem-7',
    user: { email: 'ada@example.com' },
    ...over,
  } as ProjectRow;
}

export function task(over: Partial<ClaimedTask> = {}): ClaimedTask {
  return {
    id: 41,
    projectId: 7,
    ownerId: 3,
    kind: 'start',
    thenStart: false,
    cost: 2,
    attempts: 0,
    retaken: false,
    ...over,
  };
}

/** A logger that keeps every line. */
export function memoryLog() {
  const lines: [string, string, unknown][] = [];
  const log: Logger = {
    debug: (message, fields) => lines.push(['debug', message, fields]),
    info: (message, fields) => lines.push(['info', message, fields]),
    warn: (message, fields) => lines.push(['warn', message, fields]),
    error: (message, fields) => lines.push(['error', message, fields]),
    child: () => log,
  };
  return { log, lines };
}

export function caller(log: Logger, over: Partial<TaskCaller> = {}): TaskCaller {
  return { userId: 3, deadline: DEADLINE, log, inline: false, ...over };
}

type Port = { [K in keyof InstancePort]: (...args: unknown[]) => Promise<unknown> };

/** An instance port whose calls are recorded, each answered by `over` (or failing when not given). */
export function fakeInstances(over: Partial<Port> = {}) {
  const calls: [string, ...unknown[]][] = [];
  const names = [
    'provision',
    'deploy',
    'stop',
    'cancelDeployment',
    'destroy',
    'findByName',
    'observe',
    'url',
  ];
  const port = Object.fromEntries(
    names.map((name) => [
      name,
      async (...args: unknown[]) => {
        calls.push([name, ...args]);
        const answer = over[name as keyof Port];
        if (!answer) throw new Error(`unexpected ${name}`);
        return answer(...args);
      },
    ]),
  ) as unknown as InstancePort;
  return { port, calls, called: () => calls.map((call) => call[0]) };
}

/** A storage that records what it made and removed. */
export function fakeStorage(create: () => Promise<unknown> = async () => undefined) {
  const calls: [string, unknown, unknown][] = [];
  const storage: QueueDeps['storage'] = {
    stem: 'stem',
    create: async (project, options) => {
      calls.push(['create', project, options]);
      await create();
      return undefined as never;
    },
    remove: async (project, options) => {
      calls.push(['remove', project, options]);
    },
  };
  return { storage, calls };
}
