-- Fairness of the queue across owners over the budget's hour (lib/instances/queue/): an owner's
-- share of the deployment's Qovery budget, so that one user's burst cannot spend the hour for
-- everyone (1795860018417_instance_queue has the queue itself).
--
-- instance_queue_owner_minute: the Qovery units each owner's tasks reserved, by minute (a claim
--   adds its task's cost; a claim the budget refused gives it back). The last 60 minutes of it are
--   the owner's spending, over the same sliding hour as the budget (1795860015000_qovery_budget).
--
-- The fair order: the owner who spent least in the hour first (then, as before, the owner served
--   least recently, then the oldest task). A user with a burst of operations goes behind everyone
--   whose first operation waits: their burst delays others by at most the operation running now.
--   Before: the owner served least recently first, so an owner served a minute ago with a whole
--   hour of spending behind them still came before one served two minutes ago with none.
-- The owner's share (`owner_per_hour`, QOVERY_REQUESTS_PER_OWNER_PER_HOUR; NULL: none): a task
--   whose owner's spending in the hour would pass it waits until enough of that spending leaves
--   the window (an owner who spent nothing is never held: one operation may cost more than the
--   share). Without it, an owner alone on a quiet hour could spend the whole budget, and those who
--   come after would find nothing left for up to an hour, first in line or not.

CREATE TABLE public.instance_queue_owner_minute (
  owner_id integer NOT NULL,
  minute timestamptz NOT NULL,
  spent integer NOT NULL,
  PRIMARY KEY (owner_id, minute)
);

ALTER TABLE public.instance_queue_op ADD COLUMN owner_per_hour integer;
ALTER TABLE public.instance_queue_op ADD CONSTRAINT instance_queue_op_owner_per_hour
  CHECK (owner_per_hour IS NULL OR owner_per_hour >= 1);

-- Each owner's spending in the hour before `at`, and when the oldest of it leaves the window.
CREATE FUNCTION public.instance_queue_owner_spending(at timestamptz)
  RETURNS TABLE (owner_id integer, spent integer, oldest timestamptz) AS $$
  SELECT m.owner_id, sum(m.spent)::integer, min(m.minute)
    FROM public.instance_queue_owner_minute m
    WHERE m.minute >= date_trunc('minute', at) - interval '60 minutes'
    GROUP BY m.owner_id;
$$ LANGUAGE sql STABLE;

-- Whether an owner who spent `spent` in the hour may begin a task of `cost` within `owner_per_hour`.
CREATE FUNCTION public.instance_queue_within_share(spent integer, cost integer, owner_per_hour integer)
  RETURNS boolean AS $$
  SELECT owner_per_hour IS NULL OR coalesce(spent, 0) = 0 OR coalesce(spent, 0) + cost <= owner_per_hour;
$$ LANGUAGE sql IMMUTABLE;

-- The next task in the fair order that may begin at `at` (only `only_task`, when given): a dead
-- worker's task first (its owner was served already), then the owner who spent least in the hour.
CREATE FUNCTION public.instance_queue_next(at timestamptz, owner_per_hour integer)
  RETURNS SETOF public.instance_task AS $$
  SELECT t.* FROM public.instance_task t
    LEFT JOIN public.instance_queue_owner o ON o.owner_id = t.owner_id
    LEFT JOIN public.instance_queue_owner_spending(at) s ON s.owner_id = t.owner_id
    WHERE public.instance_task_claimable(t, at)
      AND (t.state = 'running' OR public.instance_queue_within_share(s.spent, t.cost, owner_per_hour))
    ORDER BY t.state = 'running' DESC, coalesce(s.spent, 0), o.last_served_at NULLS FIRST, t.queued_at, t.id;
$$ LANGUAGE sql STABLE;

DROP FUNCTION public.refresh_instance_queue(timestamptz, integer);
CREATE FUNCTION public.refresh_instance_queue(at timestamptz, per_hour integer, owner_per_hour integer)
  RETURNS void AS $$
DECLARE
  spent integer;
BEGIN
  SELECT coalesce(sum(m.spent), 0) INTO spent FROM public.qovery_budget_minute m
    WHERE m.minute >= date_trunc('minute', at) - interval '60 minutes';
  WITH queued AS (
    SELECT t.*, row_number() OVER (PARTITION BY t.owner_id ORDER BY t.queued_at, t.id) AS round,
      coalesce(s.spent, 0) AS owner_spent, s.oldest AS owner_oldest
      FROM public.instance_task t
      LEFT JOIN public.instance_queue_owner_spending(at) s ON s.owner_id = t.owner_id
      WHERE t.state = 'queued'
  ), ordered AS (
    -- Each owner's first task, the owner who spent least in the hour first (then the one served
    -- least recently), then each one's second...; an owner past their share after all the others.
    SELECT q.id, q.project_id, q.kind, q.cost, q.not_before,
      NOT public.instance_queue_within_share(q.owner_spent, q.cost, owner_per_hour) AS held,
      q.owner_oldest,
      (row_number() OVER w - 1)::integer AS ahead,
      coalesce(sum(q.cost) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS cost_ahead
    FROM queued q LEFT JOIN public.instance_queue_owner o ON o.owner_id = q.owner_id
    WINDOW w AS (ORDER BY NOT public.instance_queue_within_share(q.owner_spent, q.cost, owner_per_hour),
      q.round, q.owner_spent, o.last_served_at NULLS FIRST, q.queued_at, q.id)
  ), estimated AS (
    SELECT d.*, greatest(
        -- Units the window must shed before this task's cost fits, at the budget's pace.
        greatest(0, spent + d.cost_ahead + d.cost - per_hour) * 3600.0 / per_hour,
        coalesce(extract(epoch FROM d.not_before - at), 0),
        -- Held by its owner's share: at least until the oldest of that spending leaves the hour.
        CASE WHEN d.held THEN extract(epoch FROM d.owner_oldest + interval '61 minutes' - at) ELSE 0 END
      ) AS wait_seconds
    FROM ordered d
  ), described AS (
    SELECT e.id, e.project_id, e.ahead,
      CASE e.kind WHEN 'create' THEN 'Queued to be created' WHEN 'start' THEN 'Queued to start'
        WHEN 'stop' THEN 'Queued to stop' ELSE 'Queued to be deleted' END
      || ': '
      || CASE WHEN e.held THEN 'your operations have used your share of this hour''s capacity'
           WHEN e.ahead = 0 THEN 'next in line' WHEN e.ahead = 1 THEN '1 operation ahead of yours'
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
  PERFORM public.refresh_instance_queue(r.at, r.per_hour, r.owner_per_hour);
  r.outcome := 'queued';
  r.task_id := task_id;
  SELECT t.ahead INTO r.ahead FROM public.instance_task t WHERE t.id = task_id;
  r.head := coalesce(running.id IS NULL AND task_id = (
    SELECT n.id FROM public.instance_queue_next(r.at, r.owner_per_hour) n LIMIT 1), false);
  RETURN r;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION public.claim_instance_task(r public.instance_queue_op) RETURNS public.instance_queue_op AS $$
DECLARE
  picked public.instance_task;
  served timestamptz;
BEGIN
  -- The order of instance_queue_next, with the row locked (FOR UPDATE cannot go through it).
  SELECT t.* INTO picked FROM public.instance_task t
    LEFT JOIN public.instance_queue_owner o ON o.owner_id = t.owner_id
    LEFT JOIN public.instance_queue_owner_spending(r.at) s ON s.owner_id = t.owner_id
    WHERE public.instance_task_claimable(t, r.at)
      AND (t.state = 'running' OR public.instance_queue_within_share(s.spent, t.cost, r.owner_per_hour))
    -- A dead worker's task first (its owner was served already), then the fair order.
    ORDER BY t.state = 'running' DESC, coalesce(s.spent, 0), o.last_served_at NULLS FIRST, t.queued_at, t.id
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
  -- What the owner spends: the task's cost, in this minute (a refusal gives it back).
  INSERT INTO public.instance_queue_owner_minute AS m (owner_id, minute, spent)
    VALUES (picked.owner_id, date_trunc('minute', r.at), picked.cost)
    ON CONFLICT (owner_id, minute) DO UPDATE SET spent = m.spent + EXCLUDED.spent;
  DELETE FROM public.instance_queue_owner_minute
    WHERE minute < date_trunc('minute', r.at) - interval '61 minutes';
  IF picked.kind = 'create' THEN
    UPDATE public.project SET status = 'CREATING' WHERE id = picked.project_id AND status = 'QUEUED';
  ELSE
    UPDATE public.project SET status_reason = 'Under way.' WHERE id = picked.project_id AND status = 'QUEUED';
  END IF;
  PERFORM public.refresh_instance_queue(r.at, r.per_hour, r.owner_per_hour);
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
    UPDATE public.instance_queue_owner_minute SET spent = greatest(0, spent - task.cost)
      WHERE owner_id = task.owner_id AND minute = date_trunc('minute', task.started_at);
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
  PERFORM public.refresh_instance_queue(r.at, r.per_hour, r.owner_per_hour);
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
  PERFORM public.refresh_instance_queue(NEW.at, NEW.per_hour, NEW.owner_per_hour);
  NEW.outcome := 'finished';
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
