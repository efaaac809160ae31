-- The Qovery request budget of the deployment (lib/instances/budget.ts), kept in the database so
-- that every function and the reconciler share it. Every tenant shares one Qovery API token, and
-- Qovery answers 429 past 1000 requests an hour per token
-- (https://www.qovery.com/docs/api-reference/introduction): each request is drawn from here first.
--
-- qovery_budget_minute: requests drawn, one row per minute. A draw is granted only when the
--   buckets of the current minute and the 60 before it hold, with it, at most the budget: any
--   hour-long span touches at most 61 one-minute buckets, so no hour, however Qovery aligns its
--   window, holds more than the budget. Older buckets count for nothing: a granted draw deletes
--   those two hours old, and PurgeQoveryBudget (for the reconciler's purge) any it is given.
--
-- qovery_budget: one row. `paused_until`: no draw is granted before then, because Qovery said so
--   (a 429, or X-RateLimit-Remaining: 0). Its row lock is what makes draws one at a time.
--
-- qovery_budget_draw: how a function draws, gives back or pauses, in ONE statement (one Hasura
--   mutation): it inserts one row; a trigger takes qovery_budget's row lock (so concurrent draws,
--   from any number of Lambdas, are counted one after the other and never exceed the budget),
--   counts the window, writes the outcome into the row, which the mutation returns, and the row is
--   deleted at the end of the statement: the table stays empty (as rate_limit_hit).
--     units > 0   a draw: granted, or refused with the seconds until it would fit;
--     units < 0   a give-back of units drawn at `at` and not used, never below zero;
--     pause_until sets the pause (a later one wins), with units 0 or alongside a draw.

CREATE TABLE public.qovery_budget (
  id boolean PRIMARY KEY DEFAULT true,
  paused_until timestamptz,
  CONSTRAINT qovery_budget_one_row CHECK (id)
);
INSERT INTO public.qovery_budget (id) VALUES (true);

CREATE TABLE public.qovery_budget_minute (
  minute timestamptz PRIMARY KEY,
  spent integer NOT NULL,
  CONSTRAINT qovery_budget_minute_whole CHECK (minute = date_trunc('minute', minute)),
  CONSTRAINT qovery_budget_minute_spent_not_negative CHECK (spent >= 0)
);

CREATE TABLE public.qovery_budget_draw (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- The caller's clock: the minute drawn in (the instant of the draw for its give-back).
  at timestamptz NOT NULL DEFAULT now(),
  units integer NOT NULL DEFAULT 0,
  -- The budget (QOVERY_REQUESTS_PER_HOUR), given by the caller with each draw.
  per_hour integer,
  pause_until timestamptz,
  -- Outcome, written by the trigger: whether the units were drawn, else the seconds until they
  -- would be, and what the window holds after.
  granted boolean,
  retry_after_seconds integer,
  spent integer,
  CONSTRAINT qovery_budget_draw_fits CHECK (units <= 0 OR (per_hour IS NOT NULL AND units <= per_hour))
);

CREATE FUNCTION public.draw_qovery_budget() RETURNS trigger AS $$
DECLARE
  this_minute timestamptz := date_trunc('minute', NEW.at);
  window_start timestamptz := date_trunc('minute', NEW.at) - interval '60 minutes';
  paused timestamptz;
  total integer;
  needed integer;
  bucket record;
  fits_at timestamptz;
BEGIN
  -- The row is there unless someone emptied the table (tests do).
  INSERT INTO public.qovery_budget (id) VALUES (true) ON CONFLICT (id) DO NOTHING;
  SELECT paused_until INTO paused FROM public.qovery_budget WHERE id FOR UPDATE;
  IF NEW.pause_until IS NOT NULL AND (paused IS NULL OR NEW.pause_until > paused) THEN
    UPDATE public.qovery_budget SET paused_until = NEW.pause_until WHERE id;
    paused := NEW.pause_until;
  END IF;
  IF NEW.units < 0 THEN
    UPDATE public.qovery_budget_minute SET spent = greatest(spent + NEW.units, 0)
      WHERE minute = this_minute;
  END IF;
  -- Buckets ahead of this minute (a caller whose clock runs ahead) count too.
  SELECT coalesce(sum(spent), 0) INTO total FROM public.qovery_budget_minute
    WHERE minute >= window_start;
  NEW.granted := true;
  IF NEW.units > 0 THEN
    IF paused > NEW.at THEN
      fits_at := paused;
    END IF;
    needed := total + NEW.units - NEW.per_hour;
    -- Over the budget: the draw fits once enough of the oldest buckets have left the window (a
    -- bucket leaves it 61 minutes after it began).
    IF needed > 0 THEN
      FOR bucket IN SELECT minute, spent FROM public.qovery_budget_minute
          WHERE minute >= window_start ORDER BY minute LOOP
        needed := needed - bucket.spent;
        IF needed <= 0 THEN
          fits_at := greatest(fits_at, bucket.minute + interval '61 minutes');
          EXIT;
        END IF;
      END LOOP;
    END IF;
    IF fits_at IS NOT NULL THEN
      NEW.granted := false;
      NEW.retry_after_seconds := greatest(1, ceil(extract(epoch FROM fits_at - NEW.at))::integer);
    ELSE
      -- Buckets an hour out of the window are no one's: drop them while at hand (an hour's margin
      -- for a caller whose clock runs behind).
      DELETE FROM public.qovery_budget_minute WHERE minute < window_start - interval '60 minutes';
      INSERT INTO public.qovery_budget_minute AS b (minute, spent) VALUES (this_minute, NEW.units)
        ON CONFLICT (minute) DO UPDATE SET spent = b.spent + NEW.units;
      total := total + NEW.units;
    END IF;
  END IF;
  NEW.spent := total;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER qovery_budget_draw_count BEFORE INSERT ON public.qovery_budget_draw
  FOR EACH ROW EXECUTE FUNCTION public.draw_qovery_budget();

CREATE FUNCTION public.forget_qovery_budget_draw() RETURNS trigger AS $$
BEGIN
  DELETE FROM public.qovery_budget_draw WHERE id = NEW.id;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER qovery_budget_draw_forget AFTER INSERT ON public.qovery_budget_draw
  FOR EACH ROW EXECUTE FUNCTION public.forget_qovery_budget_draw();
