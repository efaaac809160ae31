DROP INDEX public.refresh_token_expires_at_idx;
ALTER TABLE public.refresh_token DROP CONSTRAINT refresh_token_within_family;
ALTER TABLE public.refresh_token DROP COLUMN family_expires_at;
