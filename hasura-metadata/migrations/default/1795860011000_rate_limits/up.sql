-- Rate limits kept in the database, so they hold across every Lambda instance.
--
-- rate_limit: fixed-window counters, one row per (key, window). Keys read `<limit>:<subject>`,
--   e.g. `action:CreateProject:user:42`, `signin-address:<email digest>:<address>`,
--   `signups`. Rows whose `expires_at` has passed are dead weight: the next hit on the same key
--   deletes them, and a periodic purge (`DELETE FROM rate_limit WHERE expires_at < now()`) takes
--   the keys that never come back.
--
-- rate_limit_hit: how a handler counts a call, in ONE statement (one Hasura mutation): it inserts
--   one row listing the limits that apply, in order; a trigger counts the call against each
--   limit in that order, stops at the first one exceeded and writes the outcome into the row,
--   which the mutation returns. Counting and checking are one atomic step under the counter's
--   row lock, so concurrent calls cannot all slip under a limit. The row itself is deleted at the
--   end of the statement: the table stays empty.
--   `delta` -1 gives hits back (a successful sign-in is not a failure) and never refuses.

CREATE TABLE public.rate_limit (
  key text NOT NULL,
  window_start timestamptz NOT NULL,
  hits integer NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (key, window_start),
  CONSTRAINT rate_limit_hits_not_negative CHECK (hits >= 0)
);
CREATE INDEX rate_limit_expires_at_idx ON public.rate_limit (expires_at);

CREATE TABLE public.rate_limit_hit (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- [{"key": text, "max": int, "window_seconds": int}, ...], counted in this order.
  limits jsonb NOT NULL,
  -- The caller's clock: the windows are computed from it (the same instant for a give-back).
  at timestamptz NOT NULL DEFAULT now(),
  delta integer NOT NULL DEFAULT 1,
  -- Outcome, written by the trigger: the first limit exceeded (NULL when none), when its window
  -- ends, and the count of each limit that was counted.
  refused_key text,
  retry_after_seconds integer,
  hits jsonb,
  CONSTRAINT rate_limit_hit_delta CHECK (delta IN (1, -1)),
  CONSTRAINT rate_limit_hit_limits_array CHECK (jsonb_typeof(limits) = 'array')
);

CREATE FUNCTION public.count_rate_limit_hit() RETURNS trigger AS $$
DECLARE
  item jsonb;
  lim_key text;
  lim_max integer;
  lim_window integer;
  win_start timestamptz;
  counted integer;
  counts jsonb := '[]'::jsonb;
BEGIN
  FOR item IN SELECT value FROM jsonb_array_elements(NEW.limits) LOOP
    lim_key := item ->> 'key';
    lim_max := (item ->> 'max')::integer;
    lim_window := (item ->> 'window_seconds')::integer;
    IF lim_key IS NULL OR lim_max IS NULL OR lim_window IS NULL OR lim_window < 1 THEN
      RAISE EXCEPTION 'rate_limit_hit: each limit needs key, max and window_seconds >= 1'
        USING ERRCODE = 'check_violation';
    END IF;
    win_start := to_timestamp(floor(extract(epoch FROM NEW.at) / lim_window) * lim_window);
    IF NEW.delta > 0 THEN
      -- Older windows of this key are over: drop them while the key is at hand.
      DELETE FROM public.rate_limit WHERE key = lim_key AND window_start < win_start;
      INSERT INTO public.rate_limit AS r (key, window_start, hits, expires_at)
        VALUES (lim_key, win_start, 1, win_start + make_interval(secs => lim_window))
        ON CONFLICT (key, window_start) DO UPDATE SET hits = r.hits + 1
        RETURNING r.hits INTO counted;
    ELSE
      UPDATE public.rate_limit SET hits = greatest(hits + NEW.delta, 0)
        WHERE key = lim_key AND window_start = win_start
        RETURNING hits INTO counted;
    END IF;
    counts := counts || to_jsonb(coalesce(counted, 0));
    IF NEW.delta > 0 AND counted > lim_max THEN
      NEW.refused_key := lim_key;
      NEW.retry_after_seconds := greatest(
        1, ceil(extract(epoch FROM (win_start + make_interval(secs => lim_window)) - NEW.at))::integer
      );
      EXIT;
    END IF;
  END LOOP;
  NEW.hits := counts;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER rate_limit_hit_count BEFORE INSERT ON public.rate_limit_hit
  FOR EACH ROW EXECUTE FUNCTION public.count_rate_limit_hit();

CREATE FUNCTION public.forget_rate_limit_hit() RETURNS trigger AS $$
BEGIN
  DELETE FROM public.rate_limit_hit WHERE id = NEW.id;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER rate_limit_hit_forget AFTER INSERT ON public.rate_limit_hit
  FOR EACH ROW EXECUTE FUNCTION public.forget_rate_limit_hit();

-- Sign-in failures are now counted up front in rate_limit (see lib/accounts/sessions.ts).
DROP TABLE public.signin_failure;
