-- The AppWrite release each instance runs, and the upgrade an operator asked for (lib/instances/upgrades/,
-- driven by the reconciler one version step at a time). Users read their instance's version; only
-- the control plane (admin) writes any of these.
--
-- appwrite_version         the release the instance runs: set by CreateProject, moved by an upgrade
--                          only once Qovery reported a step's deployment and its `migrate` done.
--                          Existing rows were all created with 1.9.6.
-- appwrite_target_version  where the operator wants it (`npm run upgrade`); NULL: nowhere.
-- upgrade_step             the version whose images were given to the instance and whose
--                          deployment is awaited; NULL between steps.
-- upgrade_step_at          when that step was asked of Qovery.
-- upgrade_error            why the upgrade stopped (a user-safe sentence, shown as the status
--                          reason while the instance is ERROR); NULL while it goes on.
ALTER TABLE public.project
  ADD COLUMN appwrite_version text NOT NULL DEFAULT '1.9.6',
  ADD COLUMN appwrite_target_version text,
  ADD COLUMN upgrade_step text,
  ADD COLUMN upgrade_step_at timestamptz,
  ADD COLUMN upgrade_error text,
  ADD CONSTRAINT project_appwrite_version_format CHECK (
    appwrite_version ~ '^\d+\.\d+\.\d+$'
    AND (appwrite_target_version IS NULL OR appwrite_target_version ~ '^\d+\.\d+\.\d+$')
    AND (upgrade_step IS NULL OR upgrade_step ~ '^\d+\.\d+\.\d+$')
  );
