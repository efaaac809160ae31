CREATE TABLE public.signin_failure (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email text NOT NULL,
  attempted_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX signin_failure_email_attempted_at_idx ON public.signin_failure (email, attempted_at);

DROP TABLE public.rate_limit_hit;
DROP FUNCTION public.forget_rate_limit_hit();
DROP FUNCTION public.count_rate_limit_hit();
DROP TABLE public.rate_limit;
