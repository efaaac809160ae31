import type { Caller, Projects } from '../instances/projects';
import type { HasuraClient } from '../platform/hasura/client';
import { DeleteAccountRows, OwnedProjects } from '../platform/hasura/documents';
import { checkedAccount } from './common';
import type { Passwords } from './passwords';

export interface AccountDeletionDeps {
  hasura: HasuraClient;
  passwords: Passwords;
  /** Each project goes through DeleteProject's path. */
  projects: Pick<Projects, 'remove'>;
}

export interface AccountDeletion {
  /** Deletes the account's projects (as DeleteProject does), then the account. */
  deleteAccount(password: string, caller: Caller): Promise<{ ok: true }>;
}

/** DeleteAccount: the password checked, the projects removed, then the account. No token is issued. */
export function createAccountDeletion({ hasura, passwords, projects }: AccountDeletionDeps): AccountDeletion {
  return {
    async deleteAccount(password, caller) {
      const { userId, deadline, log } = caller;
      const user = await checkedAccount({ hasura, passwords }, userId, password, deadline);
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
