-- Accounts that hold up: verified emails, mailed tickets (verification, password reset) and
-- accounts that can be deleted while their instances finish being deleted.

-- Existing accounts start unverified too: they ask for a verification email (ResendVerificationEmail).
ALTER TABLE public."user" ADD COLUMN email_verified boolean NOT NULL DEFAULT false;

-- Single-use, expiring tickets sent by email. Only the SHA-256 of a ticket's token is stored.
-- A ticket is keyed by email, not by user, and written whether or not the address has an account:
-- known and unknown addresses cost the same work.
CREATE TABLE public.account_ticket (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email text NOT NULL,
  purpose text NOT NULL,
  token_hash text NOT NULL,
  -- verify-email only: bcrypt hash of the password chosen by the Signup that sent this ticket.
  -- Verifying an account that was still unverified sets this password, so whoever signed an
  -- address up before its owner cannot keep a password on the owner's account.
  password_hash text,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT account_ticket_token_hash_key UNIQUE (token_hash),
  CONSTRAINT account_ticket_purpose_known CHECK (purpose IN ('verify-email', 'reset-password'))
);
CREATE INDEX account_ticket_email_purpose_idx ON public.account_ticket (email, purpose);
CREATE INDEX account_ticket_expires_at_idx ON public.account_ticket (expires_at);

-- A project whose instance is still being deleted on Qovery outlives its owner's account: the row
-- stays, without owner, until the deletion is confirmed (no user can see it any more).
ALTER TABLE public.project ALTER COLUMN owner_id DROP NOT NULL;
ALTER TABLE public.project DROP CONSTRAINT project_owner_id_fkey;
ALTER TABLE public.project ADD CONSTRAINT project_owner_id_fkey
  FOREIGN KEY (owner_id) REFERENCES public."user" (id) ON UPDATE CASCADE ON DELETE SET NULL;
