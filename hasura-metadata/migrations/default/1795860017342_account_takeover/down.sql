DROP TABLE public.account_address;
DROP TRIGGER project_owner_not_deleting ON public.project;
DROP FUNCTION public.refuse_project_of_deleting_account();
ALTER TABLE public."user" DROP COLUMN deleting_at;
ALTER TABLE public.account_ticket ADD COLUMN password_hash text;
-- Accounts without a password cannot go back under NOT NULL: they keep one that matches nothing.
UPDATE public."user" SET password_hash = '!' WHERE password_hash IS NULL;
ALTER TABLE public."user" ALTER COLUMN password_hash SET NOT NULL;
