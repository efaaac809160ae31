DROP TABLE IF EXISTS public.domain;
