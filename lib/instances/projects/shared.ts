/**
 * What the project operations and the queue's tasks share: reading the caller's own row, writing
 * its status, the refusals an action answers while the instance is busy or broken, and the final
 * removal of rows.
 */
import { AppError } from '../../basics/errors';
import {
  AccountStanding,
  FindOwnProject,
  MoveProject,
  type ProjectRow,
  RemoveDeletedProjects,
} from '../../platform/hasura/documents';
import type { BucketOf } from '../../platform/storage';
import {
  ABANDONED_AFTER_MS,
  busy,
  type Observed,
  phaseOfObserved,
  type StatusWithReason,
  statusFor,
  withUpgradeReason,
} from '../lifecycle';
import type { ProjectStatus } from '../status';
import type { Caller, ProjectsDeps } from './types';

export const ok = { ok: true } as const;

export function busyError(kind: keyof typeof busy, status: ProjectStatus): AppError {
  const { message, retryAfterSeconds } = busy[kind];
  return new AppError('project-busy', { message, details: { status, retryAfterSeconds } });
}

export function failedError(reason: string | null): AppError {
  return new AppError('project-failed', {
    ...(reason ? { message: reason } : {}),
    details: { status: 'ERROR' },
  });
}

/**
 * What costs the operator money (a new instance, a running one) needs an account that still
 * exists (an access token outlives a deleted account by up to its TTL) with a verified email.
 */
export async function requireStanding(
  { hasura, requireEmailVerification }: Pick<ProjectsDeps, 'hasura' | 'requireEmailVerification'>,
  { userId, deadline }: Caller,
): Promise<void> {
  const { user_by_pk: account } = await hasura.request(AccountStanding, { id: userId }, { deadline });
  if (!account) throw new AppError('account-not-found');
  if (requireEmailVerification && !account.email_verified) throw new AppError('email-not-verified');
}

/** The caller's own project: another user's answers exactly like one that does not exist. */
export async function findOwn(
  { hasura }: Pick<ProjectsDeps, 'hasura'>,
  id: number,
  { userId, deadline }: Caller,
): Promise<ProjectRow & { status: ProjectStatus }> {
  const { project } = await hasura.request(FindOwnProject, { id, ownerId: userId }, { deadline });
  const row = project[0];
  if (!row) throw new AppError('not-found');
  // The schema says String; the column's CHECK constraint admits only the statuses.
  return row as ProjectRow & { status: ProjectStatus };
}

/** Writes the row's new status (and reason) unless someone moved it meanwhile. */
export async function saveStatus(
  { hasura }: Pick<ProjectsDeps, 'hasura'>,
  row: ProjectRow,
  wanted: StatusWithReason,
  deadline: number,
): Promise<void> {
  const next = withUpgradeReason(wanted, row.upgrade_error);
  if (row.status === next.status && row.status_reason === next.reason) return;
  await hasura.request(
    MoveProject,
    { id: row.id, from: row.status, status: next.status, reason: next.reason },
    { deadline },
  );
  row.status = next.status;
  row.status_reason = next.reason;
}

/** What Qovery says of an environment the row does not expect to vanish: saved, then decided on. */
export async function observeFor(
  deps: Pick<ProjectsDeps, 'hasura' | 'instances'>,
  row: ProjectRow,
  environmentId: string,
  caller: Caller,
): Promise<Observed> {
  const observed = await deps.instances.observe(environmentId, caller);
  const phase = phaseOfObserved(observed);
  if (phase === 'gone' || phase === 'deleting' || phase === 'delete-failed') {
    const next = statusFor(observed);
    await saveStatus(deps, row, next, caller.deadline);
    throw failedError(next.reason);
  }
  return observed;
}

/**
 * The final removal of projects whose environments Qovery confirmed deleted: each one's bucket
 * (and its credentials), then the rows. Idempotent: a bucket already gone is fine, and a failure
 * leaves the rows DELETING for the next pass (ProjectStatus, the reconciler) to finish.
 */
export async function removeDeletedProjects(
  { hasura, storage }: Pick<ProjectsDeps, 'hasura' | 'storage'>,
  rows: readonly BucketOf[],
  deadline: number,
): Promise<void> {
  if (rows.length === 0) return;
  await Promise.all(rows.map((row) => storage.remove(row, { deadline })));
  await hasura.request(RemoveDeletedProjects, { ids: rows.map((row) => row.id) }, { deadline });
}

/**
 * A row still CREATING long after its create began (the row turned CREATING when the queue took the
 * task) than any create could still be running: left behind by one that died.
 */
export function abandoned(row: Pick<ProjectRow, 'status' | 'status_changed_at'>): boolean {
  return row.status === 'CREATING' && Date.now() - Date.parse(row.status_changed_at) > ABANDONED_AFTER_MS;
}
