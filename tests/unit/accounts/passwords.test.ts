import bcrypt from 'bcryptjs';
import { createPasswords } from '../../../lib/accounts/passwords';

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

  it('does the same work for an unknown email as for a wrong password: one comparison at the same cost', async () => {
    // Timing itself is not asserted (machines are noisy): the same work is, which is what makes it equal.
    const hash = await passwords.hash('correct horse');
    const compare = jest.spyOn(bcrypt, 'compare');
    await passwords.verify('wrong horse', hash);
    await passwords.verify('wrong horse', undefined);
    expect(compare).toHaveBeenCalledTimes(2);
    const [known, unknown] = compare.mock.calls.map((call) => bcrypt.getRounds(call[1] as string));
    expect(unknown).toBe(known);
    compare.mockRestore();
  });
});
