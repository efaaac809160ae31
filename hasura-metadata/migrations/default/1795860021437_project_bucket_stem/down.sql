ALTER TABLE public.project
  DROP CONSTRAINT project_bucket_stem_format,
  DROP COLUMN bucket_stem;
