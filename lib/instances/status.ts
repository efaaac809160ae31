/**
 * The states of an AppWrite instance as users see them (ProjectStatus, the `project.status`
 * column). The migration's CHECK constraint lists the same values; a test keeps them in step.
 */
export const PROJECT_STATUSES = [
  // Waiting its turn in the queue of instance work (lib/instances/queue): `status_reason` says
  // the position and an estimated start.
  'QUEUED',
  'CREATING',
  'STARTING',
  'RUNNING',
  'STOPPING',
  'STOPPED',
  'DELETING',
  'ERROR',
] as const;

export type ProjectStatus = (typeof PROJECT_STATUSES)[number];
