/**
 * The one console seat of an instance, and who gets it (the console's API:
 * lib/platform/appwrite/console-api).
 *
 * AppWrite's console admits one root account (`_APP_CONSOLE_WHITELIST_ROOT=enabled`), and only the
 * email+password sign-up checks the e-mail whitelist; magic URL, e-mail OTP, phone and OAuth
 * sign-ups do not (1.9.6 `app/controllers/api/account.php`). So, as AppWrite's own installer does
 * (`src/Appwrite/Platform/Tasks/Install.php`, `createInitialAdminAccount`), the control plane
 * creates the owner's account itself as soon as the API answers, through the instance's public
 * URL, and the paths that skip the whitelist stay closed until then (no SMTP, SMS or console OAuth
 * in the instance's variables: lib/instances/blueprint/blueprint).
 *
 * The whitelist alone would still let a stranger who knows the URL and the owner's address take the
 * seat in the minute before the control plane does. So, from the first deployment, the instance's
 * proxy refuses every request but health checks and the console's static files (AppWrite answers
 * its account routes through GraphQL and realtime too) unless it carries the instance's gate token
 * (`CONSOLE_GATE` in lib/instances/blueprint/proxy), derived like the password and known only to
 * the control plane; once the seat is the owner's the gate opens and the instance's e-mail is
 * turned on (the owner's own AppWrite projects need both). A seat found taken opens nothing until
 * a session with the derived password proves it is the one the control plane made (`ownsSeat`):
 * were the gate ever passed, a stranger's seat would keep the instance shut, not hand it over.
 *
 * The first account's password is derived from the operator's CONSOLE_CLAIM_KEY; the owner then
 * chooses their own through the control plane (`claim`: the ClaimConsole action,
 * lib/instances/projects/claim-console), so no secret ever travels by e-mail.
 *
 * `secure` is for whatever first sees the instance RUNNING: ProjectStatus, and the reconciler on
 * every run (`secureConsolesStep`), so the seat is taken within a run of the instance answering
 * even if nobody asks for its status. It is idempotent and cheap once done (`console_account_at`).
 */

import { AppError } from '../basics/errors';
import type { Logger } from '../basics/log';
import {
  consoleGateToken,
  ensureOwnerAccount,
  ownerPassword,
  ownsSeat,
  setOwnerPassword,
} from '../platform/appwrite/console-api';
import type { HasuraClient } from '../platform/hasura/client';
import { ConsoleCandidates, MarkConsoleAccount, type ProjectRow } from '../platform/hasura/documents';
import type { Instances } from './instances';
import { phaseOfObserved } from './lifecycle';
import type { ReconcileStep } from './reconciler';

export interface OwnerConsoleDeps {
  hasura: HasuraClient;
  instances: Pick<Instances, 'openConsole'>;
  /** The operator's secret (CONSOLE_CLAIM_KEY): the gate token and first password derive from it. */
  claimKey: string;
  fetch?: typeof fetch;
}

export interface OwnerConsole {
  /** Takes the console seat for the owner if the instance answers; true once it is done. */
  secure(row: ProjectRow, options: { deadline: number; log: Logger }): Promise<boolean>;
  /** The owner's own console password replaces the derived one (or creates the account with it). */
  claim(row: ProjectRow, password: string, options: { deadline: number; log: Logger }): Promise<void>;
}

export function createOwnerConsole({ hasura, instances, claimKey, fetch }: OwnerConsoleDeps): OwnerConsole {
  function target(row: ProjectRow) {
    const email = row.user?.email;
    if (!row.url || !row.qovery_environment_id || !email) return undefined;
    return {
      url: row.url,
      email,
      environmentId: row.qovery_environment_id,
      gate: consoleGateToken(claimKey, row.qovery_environment_id),
    };
  }

  async function accountMade(row: ProjectRow, deadline: number) {
    await hasura.request(MarkConsoleAccount, { id: row.id, at: new Date().toISOString() }, { deadline });
    row.console_account_at = new Date().toISOString();
    // The gate and the sign-up paths that skip the whitelist may open now: the seat is taken.
    if (row.qovery_environment_id && row.qovery_mariadb_id)
      await instances.openConsole(row.qovery_environment_id, row.qovery_mariadb_id, { deadline });
  }

  /** Whether the seat found taken is the one the control plane made (never "some account exists"). */
  async function provenOurs(
    to: NonNullable<ReturnType<typeof target>>,
    row: ProjectRow,
    { deadline, log }: { deadline: number; log: Logger },
  ): Promise<boolean> {
    const owner = { email: to.email, password: ownerPassword(claimKey, to.environmentId) };
    const proof = await ownsSeat(to.url, owner, { gate: to.gate, deadline, ...(fetch ? { fetch } : {}) });
    if (proof === 'not-ours')
      log.error('the instance console seat is held by an account the control plane did not make', {
        projectId: row.id,
      });
    return proof === 'ours';
  }

  return {
    async secure(row, { deadline, log }) {
      if (row.console_account_at) return true;
      const to = target(row);
      if (!to) return false;
      const answer = await ensureOwnerAccount(
        to.url,
        { email: to.email, password: ownerPassword(claimKey, to.environmentId) },
        { gate: to.gate, deadline, ...(fetch ? { fetch } : {}) },
      );
      if (answer === 'refused') log.error('the instance console refuses its owner', { projectId: row.id });
      if (answer === 'taken' && !(await provenOurs(to, row, { deadline, log }))) return false;
      if (answer !== 'created' && answer !== 'taken') return false;
      await accountMade(row, deadline);
      return true;
    },

    async claim(row, password, { deadline, log }) {
      const to = target(row);
      // Whether it answers is what counts (a redeployment keeps the running pods serving).
      if (!to || row.status === 'DELETING' || row.status === 'CREATING')
        throw new AppError('project-busy', {
          message: 'The instance must be running to set its console password.',
        });
      const options = { gate: to.gate, deadline, ...(fetch ? { fetch } : {}) };
      const answer = await ensureOwnerAccount(to.url, { email: to.email, password }, options);
      if (answer === 'not-ready')
        throw new AppError('project-busy', {
          message: 'The instance does not answer yet. Try again in a minute.',
        });
      if (answer === 'refused') {
        log.error('the instance console refuses its owner', { projectId: row.id });
        throw new AppError('internal-error');
      }
      if (answer === 'taken') {
        const changed = await setOwnerPassword(
          to.url,
          {
            email: to.email,
            currentPassword: ownerPassword(claimKey, to.environmentId),
            newPassword: password,
          },
          options,
        );
        if (changed === 'wrong-password' && !row.console_account_at) {
          // Never proven ours, and our password does not open it: someone else holds the seat.
          log.error('the instance console seat is held by an account the control plane did not make', {
            projectId: row.id,
          });
          throw new AppError('internal-error');
        }
        if (changed === 'wrong-password')
          throw new AppError('project-busy', {
            message: 'The console already has your password: sign in with it, or reset it from the console.',
          });
        if (changed === 'refused') throw new AppError('internal-error');
      }
      if (!row.console_account_at) await accountMade(row, deadline);
    },
  };
}

/** A seat taken is at most two console calls of ≤ 8 s each: none starts with less than this left. */
const SEAT_RESERVE_MS = 4000;

/**
 * The reconciler's step that takes the console seat of RUNNING instances (Qovery agrees) whose
 * owner has none yet: at most `maxPerRun` a run, each only while time is left. A failure (the
 * instance not answering, a network error) is logged with the project's id only and retried on the
 * next run; a seat taken is recorded, so later runs skip it without asking the instance.
 */
export function secureConsolesStep(
  ownerConsole: Pick<OwnerConsole, 'secure'>,
  {
    hasura,
    log,
    maxPerRun = 10,
    now = Date.now,
  }: { hasura: HasuraClient; log: Logger; maxPerRun?: number; now?: () => number },
): ReconcileStep {
  return {
    name: 'console-seats',
    async run({ rows, states, deadline }) {
      const ids = rows
        .filter(
          (row) =>
            row.status === 'RUNNING' &&
            !row.console_account_at &&
            row.qovery_environment_id !== null &&
            phaseOfObserved(states.get(row.qovery_environment_id) ?? 'GONE') === 'running',
        )
        .slice(0, maxPerRun)
        .map((row) => row.id);
      if (ids.length === 0 || deadline - now() < SEAT_RESERVE_MS) return { changed: 0 };
      const { project } = await hasura.request(ConsoleCandidates, { ids }, { deadline });
      let changed = 0;
      for (const row of project) {
        if (deadline - now() < SEAT_RESERVE_MS) break;
        try {
          if (await ownerConsole.secure(row, { deadline, log })) changed++;
        } catch (error) {
          // The error's name only: nothing the instance or the request carried reaches the log.
          log.warn('reconcile.console-seat-failed', {
            projectId: row.id,
            error: error instanceof Error ? error.name : 'unknown',
          });
        }
      }
      return { changed };
    },
  };
}
