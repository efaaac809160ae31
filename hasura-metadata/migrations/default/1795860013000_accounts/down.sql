-- Rows of deleted accounts cannot go back under NOT NULL: they are dropped (their instances are
-- being deleted anyway).
DELETE FROM public.project WHERE owner_id IS NULL;
ALTER TABLE public.project DROP CONSTRAINT project_owner_id_fkey;
ALTER TABLE public.project ADD CONSTRAINT project_owner_id_fkey
  FOREIGN KEY (owner_id) REFERENCES public."user" (id) ON UPDATE CASCADE ON DELETE RESTRICT;
ALTER TABLE public.project ALTER COLUMN owner_id SET NOT NULL;

DROP TABLE public.account_ticket;
ALTER TABLE public."user" DROP COLUMN email_verified;
