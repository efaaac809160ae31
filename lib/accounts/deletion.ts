import { type Counted, giveBack } from '../action/rate-limit';
import type { Caller, Projects } from '../instances/projects';
import type { HasuraClient } from '../platform/hasura/client';
import { DeleteAccountRows, MarkAccountDeleting, OwnedProjects } from '../platform/hasura/documents';
import { checkedAccount, iso } from './common';
import type { Passwords } from './passwords';

export interface AccountDeletionDeps {
  hasura: HasuraClient;
  passwords: Passwords;
  /** Each project goes through DeleteProject's path. */
  projects: Pick<Projects, 'remove'>;
  now?: () => number;
}

export interface AccountDeletion {
  /**
   * Deletes the account's projects (as DeleteProject does), then the account. `attempt` is the call
   * as counted against the password-check limit (lib/accounts/common.ts), given back when right.
   */
  deleteAccount(password: string, caller: Caller, attempt?: Counted): Promise<{ ok: true }>;
}

/**
 * DeleteAccount: the password checked, the account marked as being deleted, its projects removed,
 * then the account. No token is issued.
 *
 * The mark comes first, in its own transaction, and the database refuses any project for a marked
 * account (the trigger of the 1795860017342_account_takeover migration, which locks the owner's row):
 * a CreateProject that claimed its slot before the mark is in the list read after it, and one that
 * comes after is refused. Without it, a CreateProject racing DeleteAccount left an instance nobody
 * owned. The mark stays when a removal fails (a project busy being created, Qovery unavailable): the
 * account still signs in and the user calls DeleteAccount again, but it gains no project meanwhile.
 */
export function createAccountDeletion({
  hasura,
  passwords,
  projects,
  now = Date.now,
}: AccountDeletionDeps): AccountDeletion {
  return {
    async deleteAccount(password, caller, attempt) {
      const { userId, deadline, log } = caller;
      const user = await checkedAccount({ hasura, passwords }, userId, password, deadline);
      await hasura.request(
        MarkAccountDeleting,
        { id: userId, now: iso(now()), giveBack: attempt ? [giveBack(attempt)] : [] },
        { deadline },
      );
      const owned = await hasura.request(OwnedProjects, { ownerId: userId }, { deadline });
      // One at a time, through DeleteProject's own path. Any failure keeps the account (and the
      // user's sign-in) so that they can try again; projects already on their way stay so.
      for (const { id } of owned.project) await projects.remove(id, caller);
      await hasura.request(DeleteAccountRows, { id: userId, email: user.email }, { deadline });
      log.info('account deleted', { userId, projects: owned.project.length });
      return { ok: true };
    },
  };
}
