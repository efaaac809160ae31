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

  it('refuses a cost under 10 or not a whole number, and says the minimum', () => {
    for (const cost of [9, 10.5, Number.NaN])
      expect(() => createPasswords(cost)).toThrow('bcrypt cost must be >= 10');
    expect(() => createPasswords(10)).not.toThrow();
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

  it('refuses an account without a password even if the dummy hash were to match what was typed', async () => {
    // The dummy matches no known password; this pins that the answer does not rest on that alone.
    const compare = jest.spyOn(bcrypt, 'compare').mockImplementation(async () => true);
    await expect(passwords.verify('anything', undefined)).resolves.toBe(false);
    compare.mockRestore();
  });

  it('compares against a dummy hash of the configured cost, whatever it is', async () => {
    const compare = jest.spyOn(bcrypt, 'compare').mockImplementation(async () => false);
    await createPasswords(12).verify('anything', undefined);
    expect(compare.mock.calls[0]?.[1]).toMatch(/^\$2b\$12\$[./A-Za-z0-9]{53}$/);
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
