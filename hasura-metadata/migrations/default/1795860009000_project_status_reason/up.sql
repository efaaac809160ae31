-- A project's status says why when it is ERROR, and when it last changed. Users read both (select
-- permission), so the reason is always a user-safe sentence written by lib/instances/lifecycle.ts.
ALTER TABLE public.project
  ADD COLUMN status_reason text,
  ADD COLUMN status_changed_at timestamptz NOT NULL DEFAULT now();

-- Kept by the database, so no writer can forget it: the time moves only when the status does, and
-- a reason only ever goes with ERROR.
CREATE FUNCTION public.project_status_bookkeeping() RETURNS trigger AS $$
BEGIN
  IF NEW.status IS DISTINCT FROM OLD.status THEN
    NEW.status_changed_at = now();
  END IF;
  IF NEW.status <> 'ERROR' THEN
    NEW.status_reason = NULL;
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER project_status_bookkeeping BEFORE INSERT OR UPDATE ON public.project
  FOR EACH ROW EXECUTE FUNCTION public.project_status_bookkeeping();

-- The reconciler reads every project that has (or should have) an instance, by status.
CREATE INDEX project_status_idx ON public.project (status);
