DROP TABLE public.qovery_budget_draw;
DROP FUNCTION public.forget_qovery_budget_draw();
DROP FUNCTION public.draw_qovery_budget();
DROP TABLE public.qovery_budget_minute;
DROP TABLE public.qovery_budget;
