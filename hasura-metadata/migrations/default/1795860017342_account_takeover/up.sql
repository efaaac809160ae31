-- Accounts that cannot be taken over before their owner arrives (pre-hijacking), deleted accounts
-- that cannot gain a project on the way out, and the client addresses an account was reached from.

-- A password becomes usable only when someone who holds the mailbox types it (lib/accounts/changes.ts,
-- VerifyEmail): a Signup that waits for verification stores none, and a ticket never carries one.
ALTER TABLE public."user" ALTER COLUMN password_hash DROP NOT NULL;
ALTER TABLE public.account_ticket DROP COLUMN password_hash;

-- DeleteAccount sets this first, in its own transaction; from then on no project may be inserted
-- for the account. The trigger takes a share lock on the owner's row: a CreateProject whose insert
-- came first makes DeleteAccount's mark wait for it (and DeleteAccount then finds the project), one
-- that comes after sees the mark and is refused. The row is never unmarked: the user finishes with
-- DeleteAccount again.
ALTER TABLE public."user" ADD COLUMN deleting_at timestamptz;

CREATE FUNCTION public.refuse_project_of_deleting_account() RETURNS trigger AS $$
DECLARE
  mark timestamptz;
BEGIN
  IF NEW.owner_id IS NULL THEN
    RETURN NEW;
  END IF;
  SELECT deleting_at INTO mark FROM public."user" WHERE id = NEW.owner_id FOR SHARE;
  IF mark IS NOT NULL THEN
    RAISE EXCEPTION 'account_being_deleted' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER project_owner_not_deleting BEFORE INSERT OR UPDATE OF owner_id ON public.project
  FOR EACH ROW EXECUTE FUNCTION public.refuse_project_of_deleting_account();

-- The client addresses (their digest) from which the mailbox's account was signed in to, or its
-- password reset, lately: the per-email sign-in limit, which strangers can fill, does not apply to
-- them (lib/accounts/sessions.ts). Keyed by email like the tickets; deleted with the account.
CREATE TABLE public.account_address (
  email text NOT NULL,
  address text NOT NULL,
  seen_at timestamptz NOT NULL,
  PRIMARY KEY (email, address)
);
