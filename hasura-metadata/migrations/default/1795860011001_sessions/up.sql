-- Sessions that end, and refresh tokens that do not pile up.
--
-- A session is a refresh token family. Each rotation used to keep the rotated row until it
-- expired (50 rotations = 51 rows) and to grant a fresh lifetime (a session never ended). Now:
-- - a token carries its family id (`<family_id>.<secret>`), so presenting a rotated token is
--   recognised as reuse from the family alone: a rotation deletes the family's revoked rows and
--   a live family has exactly one row;
-- - `family_expires_at` is the session's absolute end (SESSION_MAX_SECONDS from sign-in), which no
--   rotation extends: each row's `expires_at` is at most that.
-- Rows left: one per live family (a user keeps at most MAX_SESSIONS_PER_USER of them), revoked
-- families (reuse detected) until they expire. Purge: `DELETE FROM refresh_token WHERE expires_at < now()`.

ALTER TABLE public.refresh_token ADD COLUMN family_expires_at timestamptz;
UPDATE public.refresh_token SET family_expires_at = expires_at;
ALTER TABLE public.refresh_token ALTER COLUMN family_expires_at SET NOT NULL;
ALTER TABLE public.refresh_token
  ADD CONSTRAINT refresh_token_within_family CHECK (expires_at <= family_expires_at);
CREATE INDEX refresh_token_expires_at_idx ON public.refresh_token (expires_at);
