import { mailboxOf, mailLimits } from '../../../lib/accounts';

describe('mailboxOf: the mailbox mail limits key on', () => {
  it.each([
    ['Dave@Example.com', 'dave@example.com'],
    ['dave+1@example.com', 'dave@example.com'],
    ['dave+tag+more@example.com', 'dave@example.com'],
    ['d.a.v.e+35@gmail.com', 'dave@gmail.com'],
    ['d.ave@googlemail.com', 'dave@gmail.com'],
    // Dots count outside Gmail.
    ['d.ave@example.com', 'd.ave@example.com'],
    // A local part that is only a tag is left as it is.
    ['+x@example.com', '+x@example.com'],
    // Spaces around the address do not make another mailbox.
    ['  Dave+1@Example.com ', 'dave@example.com'],
    // Not an address (no @, or nothing before it): left as it is, lower-cased.
    ['Not-An-Address', 'not-an-address'],
    ['@googlemail.com', '@googlemail.com'],
  ])('%s → %s', (email, mailbox) => {
    expect(mailboxOf(email)).toBe(mailbox);
  });
});

describe('mailLimits', () => {
  const settings = {
    mailsPerEmailPerWindow: 2,
    mailWindowSeconds: 300,
    mailsPerAddressPerHour: 20,
    mailsPerHour: 1200,
  };

  it('counts the client address first, then the normalized mailbox, then a share of the hourly ceiling per window', () => {
    const [client, mailbox, global] = mailLimits(
      'reset-password',
      'dave+1@gmail.com',
      '203.0.113.7',
      settings,
    );
    expect(client).toMatchObject({
      key: 'mail-from:203.0.113.7',
      max: 20,
      windowSeconds: 3600,
      code: 'too-many-emails',
    });
    expect(mailbox).toMatchObject({ max: 2, windowSeconds: 300, code: 'too-many-emails' });
    expect(global).toMatchObject({ key: 'mails', max: 100, windowSeconds: 300, code: 'too-many-emails' });
  });

  it('gives every address of one mailbox the same key, and each kind its own', () => {
    const key = (email: string, purpose: 'verify-email' | 'reset-password' = 'reset-password') =>
      mailLimits(purpose, email, undefined, settings)[1]?.key;
    expect(key('d.a.v.e+9@googlemail.com')).toBe(key('dave@gmail.com'));
    expect(key('dave@gmail.com', 'verify-email')).not.toBe(key('dave@gmail.com'));
    expect(key('dave@gmail.com')).not.toContain('dave');
  });

  it('keys the mailbox limit as mail:<kind>:<digest of the mailbox>, and an unknown client as one bucket', () => {
    const [client, mailbox] = mailLimits('reset-password', 'd.ave+2@googlemail.com', undefined, settings);
    expect(client?.key).toBe('mail-from:unknown');
    expect(mailbox?.key).toBe('mail:reset-password:eB5lr4uB3ULf76a8ElP2L7');
  });

  it('lets at least one email a window through the global ceiling, whatever the hourly figure', () => {
    const ceiling = (mailsPerHour: number, mailWindowSeconds: number) =>
      mailLimits('verify-email', 'a@example.com', undefined, {
        ...settings,
        mailsPerHour,
        mailWindowSeconds,
      })[2]?.max;
    expect(ceiling(5, 300)).toBe(1);
    expect(ceiling(1199, 300)).toBe(99);
    expect(ceiling(1200, 3600)).toBe(1200);
  });
});
