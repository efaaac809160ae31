-- The template environment new instances are cloned from (lib/instances/provision-strategy.ts), as
-- `npm run template` (scripts/template.ts) last built it. One row at most (id is always 1): read by
-- every CreateProject in one Hasura round trip, so that choosing between the clone (4 Qovery calls)
-- and the blueprint (about 30) costs no Qovery call. Admin only.
--
-- qovery_environment_id  the template's Qovery environment (named <prefix>-appwrite-template-…,
--                        which the reconciler never takes for an instance: lib/instances/blueprint/environment.ts).
-- appwrite_version       the AppWrite release its images are of: CreateProject clones only when it
--                        is the configured APPWRITE_VERSION.
-- blueprint_digest       a digest of what the blueprint built it from (containers, sizes, the
--                        `migrate` job, the proxy's file): a template the deployed code would no
--                        longer build the same way is not cloned either.
CREATE TABLE public.instance_template (
  id smallint PRIMARY KEY DEFAULT 1,
  qovery_environment_id text NOT NULL,
  appwrite_version text NOT NULL,
  blueprint_digest text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT instance_template_one_row CHECK (id = 1),
  CONSTRAINT instance_template_version_format CHECK (appwrite_version ~ '^\d+\.\d+\.\d+$')
);
