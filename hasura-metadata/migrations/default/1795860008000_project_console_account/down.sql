ALTER TABLE public.project DROP COLUMN console_account_at;
