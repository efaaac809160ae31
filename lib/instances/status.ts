/**
 * The states of an AppWrite instance as users see them (ProjectStatus, the `project.status`
 * column). The migration's CHECK constraint lists the same values; a test keeps them in step.
 */
export const PROJECT_STATUSES = [
  'CREATING',
  'STARTING',
  'RUNNING',
  'STOPPING',
  'STOPPED',
  'DELETING',
  'ERROR',
] as const;

export type ProjectStatus = (typeof PROJECT_STATUSES)[number];
