DROP TABLE public.instance_template;
