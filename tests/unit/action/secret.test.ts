import { secretCheck } from '../../../lib/action/secret';

const SECRET = 'test-actions-secret-0123456789';

describe('secretCheck', () => {
  const isSecret = secretCheck(SECRET);

  it('accepts the secret and nothing else', () => {
    expect(isSecret(SECRET)).toBe(true);
    expect(isSecret(`${SECRET.slice(0, -1)}8`)).toBe(false);
    expect(isSecret(SECRET.toUpperCase())).toBe(false);
    expect(isSecret(` ${SECRET}`)).toBe(false);
  });

  it('refuses a missing or empty value', () => {
    expect(isSecret(undefined)).toBe(false);
    expect(isSecret('')).toBe(false);
  });

  it('refuses a prefix or an extension of the secret (another length)', () => {
    expect(isSecret(SECRET.slice(0, 8))).toBe(false);
    expect(isSecret(`${SECRET}0`)).toBe(false);
    expect(isSecret('x'.repeat(10_000))).toBe(false);
  });

  it('compares in constant time, always two buffers of one length, whatever was given', () => {
    // The module object itself (a namespace import would be a copy the code under test never calls).
    const compare = jest.spyOn(require('node:crypto') as typeof import('node:crypto'), 'timingSafeEqual');
    try {
      for (const given of [SECRET, 'x', '', SECRET.slice(0, 8), `${SECRET}0`, 'é'.repeat(500)])
        isSecret(given);
      expect(compare).toHaveBeenCalledTimes(6);
      for (const [a, b] of compare.mock.calls as [Buffer, Buffer][]) {
        expect(a.length).toBe(32);
        expect(b.length).toBe(32);
      }
    } finally {
      compare.mockRestore();
    }
  });
});
