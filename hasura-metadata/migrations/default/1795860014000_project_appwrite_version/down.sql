ALTER TABLE public.project
  DROP CONSTRAINT IF EXISTS project_appwrite_version_format,
  DROP COLUMN IF EXISTS upgrade_error,
  DROP COLUMN IF EXISTS upgrade_step_at,
  DROP COLUMN IF EXISTS upgrade_step,
  DROP COLUMN IF EXISTS appwrite_target_version,
  DROP COLUMN IF EXISTS appwrite_version;
