DROP FUNCTION public.refresh_instance_queue(timestamptz, integer, integer);
CREATE FUNCTION public.refresh_instance_queue(at timestamptz, per_hour integer) RETURNS void AS $$
DECLARE
  spent integer;
BEGIN
  SELECT coalesce(sum(m.spent), 0) INTO spent FROM public.qovery_budget_minute m
    WHERE m.minute >= date_trunc('minute', at) - interval '60 minutes';
  WITH queued AS (
    SELECT t.*, row_number() OVER (PARTITION BY t.owner_id ORDER BY t.queued_at, t.id) AS round
      FROM public.instance_task t WHERE t.state = 'queued'
  ), ordered AS (
    -- Round robin: each owner's first task, least recently served owner first, then each one's second...
    SELECT q.id, q.project_id, q.kind, q.cost, q.not_before,
      (row_number() OVER w - 1)::integer AS ahead,
      coalesce(sum(q.cost) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS cost_ahead
    FROM queued q LEFT JOIN public.instance_queue_owner o ON o.owner_id = q.owner_id
    WINDOW w AS (ORDER BY q.round, o.last_served_at NULLS FIRST, q.queued_at, q.id)
  ), estimated AS (
    SELECT d.*, greatest(
        -- Units the window must shed before this task's cost fits, at the budget's pace.
        greatest(0, spent + d.cost_ahead + d.cost - per_hour) * 3600.0 / per_hour,
        coalesce(extract(epoch FROM d.not_before - at), 0)
      ) AS wait_seconds
    FROM ordered d
  ), described AS (
    SELECT e.id, e.project_id, e.ahead,
      CASE e.kind WHEN 'create' THEN 'Queued to be created' WHEN 'start' THEN 'Queued to start'
        WHEN 'stop' THEN 'Queued to stop' ELSE 'Queued to be deleted' END
      || ': '
      || CASE e.ahead WHEN 0 THEN 'next in line' WHEN 1 THEN '1 operation ahead of yours'
           ELSE e.ahead || ' operations ahead of yours' END
      || CASE WHEN e.wait_seconds <= 60 THEN '; it should begin within a minute.'
           ELSE '; it should begin in about ' || ceil(e.wait_seconds / 60)::integer || ' minutes.' END
      AS reason
    FROM estimated e
  ), tasks AS (
    UPDATE public.instance_task t SET ahead = d.ahead FROM described d
      WHERE t.id = d.id AND t.ahead IS DISTINCT FROM d.ahead
  )
  UPDATE public.project p SET status = 'QUEUED', status_reason = d.reason
    FROM described d
    WHERE p.id = d.project_id
      AND NOT EXISTS (
        SELECT 1 FROM public.instance_task r WHERE r.project_id = p.id AND r.state = 'running')
      AND (p.status <> 'QUEUED' OR p.status_reason IS DISTINCT FROM d.reason);
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION public.enqueue_instance_task(r public.instance_queue_op) RETURNS public.instance_queue_op AS $$
DECLARE
  queued public.instance_task;
  running public.instance_task;
  task_id bigint;
BEGIN
  -- The project row's lock makes the enqueues of one project one at a time.
  PERFORM 1 FROM public.project WHERE id = r.project_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'instance_queue_op: no project %', r.project_id USING ERRCODE = 'foreign_key_violation';
  END IF;
  SELECT * INTO queued FROM public.instance_task WHERE project_id = r.project_id AND state = 'queued';
  SELECT * INTO running FROM public.instance_task WHERE project_id = r.project_id AND state = 'running'
    LIMIT 1;
  IF r.kind IN ('start', 'stop') AND (queued.kind = 'delete' OR running.kind = 'delete') THEN
    r.outcome := 'deleting';
    RETURN r;
  END IF;
  IF r.kind = 'delete' AND queued.kind = 'create' THEN
    -- Nothing was made yet: the row goes, and its quota slot with it.
    DELETE FROM public.project WHERE id = r.project_id;
    r.outcome := 'removed';
    RETURN r;
  END IF;
  IF queued.id IS NOT NULL AND queued.kind = 'create' THEN
    UPDATE public.instance_task SET then_start = (r.kind = 'start'), not_before = NULL WHERE id = queued.id;
    task_id := queued.id;
  ELSIF queued.id IS NOT NULL THEN
    -- The latest wish replaces the queued one, which keeps its place; asked again, it is tried
    -- again without waiting out a retry.
    UPDATE public.instance_task SET kind = r.kind, cost = r.cost, not_before = NULL WHERE id = queued.id;
    task_id := queued.id;
  ELSE
    INSERT INTO public.instance_task (project_id, owner_id, kind, cost, queued_at)
      VALUES (r.project_id, r.owner_id, r.kind, r.cost, r.at) RETURNING id INTO task_id;
  END IF;
  PERFORM public.refresh_instance_queue(r.at, r.per_hour);
  r.outcome := 'queued';
  r.task_id := task_id;
  SELECT t.ahead INTO r.ahead FROM public.instance_task t WHERE t.id = task_id;
  r.head := coalesce(running.id IS NULL AND task_id = (
    SELECT t.id FROM public.instance_task t LEFT JOIN public.instance_queue_owner o ON o.owner_id = t.owner_id
      WHERE public.instance_task_claimable(t, r.at)
      ORDER BY t.state = 'running' DESC, o.last_served_at NULLS FIRST, t.queued_at, t.id LIMIT 1), false);
  RETURN r;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION public.claim_instance_task(r public.instance_queue_op) RETURNS public.instance_queue_op AS $$
DECLARE
  picked public.instance_task;
  served timestamptz;
BEGIN
  SELECT t.* INTO picked FROM public.instance_task t
    LEFT JOIN public.instance_queue_owner o ON o.owner_id = t.owner_id
    WHERE public.instance_task_claimable(t, r.at)
    -- A dead worker's task first (its owner was served already), then the fair order.
    ORDER BY t.state = 'running' DESC, o.last_served_at NULLS FIRST, t.queued_at, t.id
    LIMIT 1
    FOR UPDATE OF t SKIP LOCKED;
  IF picked.id IS NULL OR (r.task_id IS NOT NULL AND picked.id <> r.task_id) THEN
    r.outcome := 'none';
    RETURN r;
  END IF;
  SELECT last_served_at INTO served FROM public.instance_queue_owner WHERE owner_id = picked.owner_id;
  UPDATE public.instance_task SET state = 'running', started_at = r.at, attempts = attempts + 1,
      lease_until = r.at + make_interval(secs => r.lease_seconds), ahead = NULL,
      owner_served_before = CASE WHEN picked.state = 'running' THEN owner_served_before ELSE served END
    WHERE id = picked.id;
  INSERT INTO public.instance_queue_owner AS q (owner_id, last_served_at) VALUES (picked.owner_id, r.at)
    ON CONFLICT (owner_id) DO UPDATE SET last_served_at = greatest(q.last_served_at, r.at);
  IF picked.kind = 'create' THEN
    UPDATE public.project SET status = 'CREATING' WHERE id = picked.project_id AND status = 'QUEUED';
  ELSE
    UPDATE public.project SET status_reason = 'Under way.' WHERE id = picked.project_id AND status = 'QUEUED';
  END IF;
  PERFORM public.refresh_instance_queue(r.at, r.per_hour);
  r.outcome := 'claimed';
  r.claimed_id := picked.id;
  r.claimed_project_id := picked.project_id;
  r.claimed_owner_id := picked.owner_id;
  r.claimed_kind := picked.kind;
  r.claimed_then_start := picked.then_start;
  r.claimed_cost := picked.cost;
  r.claimed_attempts := picked.attempts + 1;
  r.claimed_retaken := picked.state = 'running';
  RETURN r;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION public.release_instance_task(r public.instance_queue_op) RETURNS public.instance_queue_op AS $$
DECLARE
  task public.instance_task;
  newer public.instance_task;
BEGIN
  SELECT * INTO task FROM public.instance_task WHERE id = r.task_id AND state = 'running' FOR UPDATE;
  IF task.id IS NULL THEN
    r.outcome := 'none';
    RETURN r;
  END IF;
  IF r.mode = 'refused' THEN
    -- Never begun: its owner gets their turn back.
    UPDATE public.instance_queue_owner SET last_served_at = task.owner_served_before
      WHERE owner_id = task.owner_id AND last_served_at = task.started_at
        AND task.owner_served_before IS NOT NULL;
    DELETE FROM public.instance_queue_owner
      WHERE owner_id = task.owner_id AND last_served_at = task.started_at AND task.owner_served_before IS NULL;
  END IF;
  SELECT * INTO newer FROM public.instance_task WHERE project_id = task.project_id AND state = 'queued'
    FOR UPDATE;
  IF newer.id IS NOT NULL AND task.kind <> 'create' THEN
    -- Asked again meanwhile: the newer wish replaces this one.
    DELETE FROM public.instance_task WHERE id = task.id;
  ELSIF newer.id IS NOT NULL AND newer.kind = 'delete' THEN
    -- A create that made nothing, whose deletion was asked meanwhile: the delete alone is left.
    DELETE FROM public.instance_task WHERE id = task.id;
  ELSE
    IF newer.id IS NOT NULL THEN
      -- A start or stop asked while the create ran: the create keeps it.
      UPDATE public.instance_task SET then_start = (newer.kind = 'start') WHERE id = task.id;
      DELETE FROM public.instance_task WHERE id = newer.id;
    END IF;
    UPDATE public.instance_task SET state = 'queued', lease_until = NULL, started_at = NULL,
        not_before = CASE WHEN r.mode = 'refused' THEN NULL
          ELSE r.at + make_interval(secs => coalesce(r.retry_after_seconds, 60)) END,
        attempts = CASE WHEN r.mode = 'error' THEN attempts ELSE attempts - 1 END
      WHERE id = task.id;
  END IF;
  PERFORM public.refresh_instance_queue(r.at, r.per_hour);
  r.outcome := 'released';
  RETURN r;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION public.instance_queue_op_run() RETURNS trigger AS $$
BEGIN
  IF NEW.op = 'enqueue' THEN
    IF NEW.project_id IS NULL OR NEW.owner_id IS NULL OR NEW.kind IS NULL OR NEW.cost IS NULL THEN
      RAISE EXCEPTION 'instance_queue_op: enqueue needs project_id, owner_id, kind and cost'
        USING ERRCODE = 'check_violation';
    END IF;
    RETURN public.enqueue_instance_task(NEW);
  ELSIF NEW.op = 'claim' THEN
    IF NEW.lease_seconds IS NULL OR NEW.lease_seconds < 1 THEN
      RAISE EXCEPTION 'instance_queue_op: claim needs lease_seconds >= 1' USING ERRCODE = 'check_violation';
    END IF;
    RETURN public.claim_instance_task(NEW);
  ELSIF NEW.op = 'release' THEN
    IF NEW.task_id IS NULL OR NEW.mode IS NULL THEN
      RAISE EXCEPTION 'instance_queue_op: release needs task_id and mode' USING ERRCODE = 'check_violation';
    END IF;
    RETURN public.release_instance_task(NEW);
  END IF;
  DELETE FROM public.instance_task WHERE id = NEW.task_id AND state = 'running';
  PERFORM public.refresh_instance_queue(NEW.at, NEW.per_hour);
  NEW.outcome := 'finished';
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

DROP FUNCTION public.instance_queue_next(timestamptz, integer);
DROP FUNCTION public.instance_queue_within_share(integer, integer, integer);
DROP FUNCTION public.instance_queue_owner_spending(timestamptz);
ALTER TABLE public.instance_queue_op DROP CONSTRAINT instance_queue_op_owner_per_hour;
ALTER TABLE public.instance_queue_op DROP COLUMN owner_per_hour;
DROP TABLE public.instance_queue_owner_minute;
