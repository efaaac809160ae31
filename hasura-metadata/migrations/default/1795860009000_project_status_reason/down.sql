DROP INDEX IF EXISTS public.project_status_idx;
DROP TRIGGER IF EXISTS project_status_bookkeeping ON public.project;
DROP FUNCTION IF EXISTS public.project_status_bookkeeping();
ALTER TABLE public.project DROP COLUMN IF EXISTS status_changed_at, DROP COLUMN IF EXISTS status_reason;
