DROP TABLE public.project;
DROP FUNCTION public.set_updated_at();
