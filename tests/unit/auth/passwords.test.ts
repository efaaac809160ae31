import bcrypt from 'bcryptjs';
import { createPasswords } from '../../../lib/auth/passwords';

describe('passwords', () => {
  const passwords = createPasswords(10);

  it('hashes with bcrypt at the configured cost, never below 10', async () => {
    const hash = await passwords.hash('correct horse');
    expect(bcrypt.getRounds(hash)).toBe(10);
    expect(hash).not.toContain('correct horse');
    expect(() => createPasswords(4)).toThrow(RangeError);
  });

  it('accepts the right password and refuses a wrong one', async () => {
    const hash = await passwords.hash('correct horse');
    await expect(passwords.verify('correct horse', hash)).resolves.toBe(true);
    await expect(passwords.verify('wrong horse', hash)).resolves.toBe(false);
  });

  it('refuses every password when there is no stored hash, after a comparison of the same cost', async () => {
    await expect(passwords.verify('anything', undefined)).resolves.toBe(false);
    const compare = jest.spyOn(bcrypt, 'compare');
    await passwords.verify('anything', undefined);
    const dummy = compare.mock.calls[0]?.[1] as string;
    expect(bcrypt.getRounds(dummy)).toBe(10);
    compare.mockRestore();
  });

  it('takes about as long for an unknown email as for a wrong password', async () => {
    const hash = await passwords.hash('correct horse');
    const time = async (stored: string | undefined) => {
      const start = performance.now();
      await passwords.verify('wrong horse', stored);
      return performance.now() - start;
    };
    await time(hash);
    const known = await time(hash);
    const unknown = await time(undefined);
    // Same cost factor, so the same number of rounds: generous bounds against a noisy machine.
    expect(unknown).toBeGreaterThan(known / 3);
    expect(unknown).toBeLessThan(known * 3);
  });
});
