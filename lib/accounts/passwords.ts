import bcrypt from 'bcryptjs';

export const MIN_BCRYPT_COST = 10;

export interface Passwords {
  /**
   * bcrypt hashes only the first 72 bytes: the NewPassword schema (lib/basics/schemas.ts,
   * PASSWORD_MAX_BYTES) refuses longer passwords before they get here.
   */
  hash(password: string): Promise<string>;
  /** Compares against the stored hash, or against a dummy hash of the same cost when there is none. */
  verify(password: string, storedHash: string | undefined): Promise<boolean>;
}

export function createPasswords(cost: number): Passwords {
  if (!Number.isInteger(cost) || cost < MIN_BCRYPT_COST)
    throw new RangeError(`bcrypt cost must be >= ${MIN_BCRYPT_COST}`);
  // A well-formed hash that matches no password: comparing against it costs the same time as
  // comparing against a real hash of this cost, so an unknown email is not told apart by timing.
  // (The cost is at least 10, so it is always the two digits a bcrypt hash spells it with.)
  const dummy = `$2b$${cost}$CwTycUXWue0Thq9StjUM0uJ8yP6WlQ3VQx5Ed1i3DKf6Y0Y5g8fZm`;
  return {
    hash: (password) => bcrypt.hash(password, cost),
    verify: async (password, storedHash) => {
      const matches = await bcrypt.compare(password, storedHash ?? dummy);
      return matches && storedHash !== undefined;
    },
  };
}
