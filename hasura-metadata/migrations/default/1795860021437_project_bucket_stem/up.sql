-- Which bucket is a project's (lib/platform/storage/index.ts `BucketOf`).
--
-- bucket_stem  the start of the project's bucket name, `<STORAGE_BUCKET_PREFIX>-<STORAGE_BUCKET_ID>`,
--              written by CreateProject in the very insert that claims the quota slot: the bucket
--              is `<bucket_stem>-<id>`. NULL on every row made before this column, and on rows
--              inserted meanwhile by functions deployed before it: their bucket is
--              `<STORAGE_BUCKET_PREFIX>-<id>`, the only name those functions make, so old rows keep
--              finding their buckets whatever order the migration and the functions are deployed in.
--              Admin only: the random part of bucket names is not shown to users.
ALTER TABLE public.project
  ADD COLUMN bucket_stem text,
  ADD CONSTRAINT project_bucket_stem_format CHECK (
    bucket_stem IS NULL OR bucket_stem ~ '^[a-z0-9][a-z0-9-]{1,50}[a-z0-9]$'
  );
