import { ConfigError, EnvReader } from '../../../lib/basics/settings';

/** The reader alone, with no section: what any section reader may rely on. */
describe('EnvReader', () => {
  it('collects every problem instead of stopping at the first', () => {
    const r = new EnvReader({ PORT: 'eighty', DEBUG: 'maybe' });
    r.string('NAME');
    r.int('PORT', 80, 1, 65535);
    r.bool('DEBUG', false);
    expect(r.problems).toEqual([
      'NAME is required',
      'PORT must be an integer from 1 to 65535',
      'DEBUG must be true or false',
    ]);
    expect(new ConfigError(r.problems).message).toMatch(/^Invalid configuration \(3 problems\)/);
  });

  it('declares each setting read once, with its kind, and keeps the secret values apart', () => {
    const r = new EnvReader({ TOKEN: 'a-long-enough-token', PASSWORD: 'pw-value' });
    r.secret('TOKEN');
    r.optionalSecret('PASSWORD');
    r.optional('HOST');
    r.optional('HOST');
    expect([...r.read.values()]).toEqual([
      { name: 'TOKEN', secret: true },
      { name: 'PASSWORD', secret: true, optional: true },
      { name: 'HOST', secret: false },
    ]);
    expect(r.secretValues).toEqual(['a-long-enough-token', 'pw-value']);
  });

  it('leaves the secrets unchecked when told to skip them, still declaring them', () => {
    const r = new EnvReader({}, { secrets: 'skip' });
    expect(r.secret('TOKEN')).toBe('');
    expect(r.skippingSecrets).toBe(true);
    expect(r.problems).toEqual([]);
    expect([...r.read.keys()]).toEqual(['TOKEN']);
  });
});
