import { AppError } from '../../basics/errors';
import { findOwn, ok } from './shared';
import type { Caller, ProjectsDeps } from './types';

/**
 * ClaimConsole: the owner's own password for their instance's console, through its console seat
 * (lib/instances/console-seat), which the control plane took for them with a derived password (or
 * takes now with the owner's, if the reconciler has not yet).
 */
export async function claimConsole(
  deps: ProjectsDeps,
  id: number,
  password: string,
  caller: Caller,
): Promise<typeof ok> {
  const { ownerConsole } = deps;
  if (!ownerConsole) throw new AppError('internal-error');
  const row = await findOwn(deps, id, caller);
  await ownerConsole.claim(row, password, caller);
  return ok;
}
