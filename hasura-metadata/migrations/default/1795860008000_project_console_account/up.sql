-- When the control plane created (or found) the owner's account in the instance's console: until
-- then the instance's e-mail stays off, so no sign-up path can skip the owner's whitelist.
ALTER TABLE public.project ADD COLUMN console_account_at timestamptz;
