DROP TABLE public.signin_failure;
DROP TABLE public.refresh_token;
DROP TABLE public."user";
