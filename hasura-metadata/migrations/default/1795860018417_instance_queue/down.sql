DROP FUNCTION public.release_instance_task(public.instance_queue_op);
DROP FUNCTION public.claim_instance_task(public.instance_queue_op);
DROP FUNCTION public.enqueue_instance_task(public.instance_queue_op);
DROP TABLE public.instance_queue_op;
DROP FUNCTION public.forget_instance_queue_op();
DROP FUNCTION public.instance_queue_op_run();
DROP FUNCTION public.refresh_instance_queue(timestamptz, integer);
DROP FUNCTION public.instance_task_claimable(public.instance_task, timestamptz);
DROP TABLE public.instance_queue_owner;
DROP TABLE public.instance_task;
UPDATE public.project SET status = 'CREATING', status_reason = NULL WHERE status = 'QUEUED';
CREATE OR REPLACE FUNCTION public.project_status_bookkeeping() RETURNS trigger AS $$
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
ALTER TABLE public.project DROP CONSTRAINT project_status_known;
ALTER TABLE public.project ADD CONSTRAINT project_status_known CHECK (
  status IN ('CREATING', 'STARTING', 'RUNNING', 'STOPPING', 'STOPPED', 'DELETING', 'ERROR')
);
