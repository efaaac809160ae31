import { createTickets, hashTicketToken, newTicketToken } from '../../../lib/accounts/tickets';
import { AppError } from '../../../lib/basics/errors';
import type { HasuraClient } from '../../../lib/platform/hasura/client';

/** Single-use tickets against a recorded Hasura: what is stored, when it expires, what a spend asks. */

const NOW = Date.parse('2026-03-01T12:00:00.000Z');
const accounts = {
  requireEmailVerification: true,
  verificationTtlSeconds: 24 * 3600,
  passwordResetTtlSeconds: 3600,
};

function recordingHasura(answer: unknown) {
  const calls: { query: string; variables: unknown; options: unknown }[] = [];
  const hasura: HasuraClient = {
    async request(doc, variables, options) {
      calls.push({ query: String(doc), variables, options });
      return answer as never;
    },
  };
  return { hasura, calls };
}

describe('ticket tokens', () => {
  it('are 256 random bits, url-safe, different each time, stored as their SHA-256 only', () => {
    const token = newTicketToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newTicketToken()).not.toBe(token);
    expect(hashTicketToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('createTickets', () => {
  const tickets = (config = accounts, answer: unknown = {}) =>
    createTickets({ hasura: recordingHasura(answer).hasura, accounts: config, now: () => NOW });

  it('issues a verification ticket valid 24 hours from now, its hash stored and the token mailed', () => {
    const { token, ticket } = tickets().issue('ada@example.com', 'verify-email');
    expect(ticket).toEqual({
      email: 'ada@example.com',
      purpose: 'verify-email',
      token_hash: hashTicketToken(token),
      created_at: '2026-03-01T12:00:00.000Z',
      expires_at: '2026-03-02T12:00:00.000Z',
    });
    expect(JSON.stringify(ticket)).not.toContain(token);
  });

  it('issues a reset ticket valid 1 hour from now', () => {
    const { ticket } = tickets().issue('ada@example.com', 'reset-password');
    expect(ticket).toMatchObject({ purpose: 'reset-password', expires_at: '2026-03-01T13:00:00.000Z' });
  });

  it('follows the configured lifetimes, to the second', () => {
    const custom = tickets({ ...accounts, verificationTtlSeconds: 301, passwordResetTtlSeconds: 7199 });
    expect(custom.issue('a@b.c', 'verify-email').ticket.expires_at).toBe('2026-03-01T12:05:01.000Z');
    expect(custom.issue('a@b.c', 'reset-password').ticket.expires_at).toBe('2026-03-01T13:59:59.000Z');
  });

  it('tells the email its lifetime in whole hours, at least one', () => {
    expect(tickets().ttlHours('verify-email')).toBe(24);
    expect(tickets().ttlHours('reset-password')).toBe(1);
    const custom = tickets({ ...accounts, verificationTtlSeconds: 300, passwordResetTtlSeconds: 5400 });
    expect(custom.ttlHours('verify-email')).toBe(1);
    // 1.5 hours rounds to 2: the email promises the nearest whole hour.
    expect(custom.ttlHours('reset-password')).toBe(2);
  });

  it('spends a ticket by the hash of its token, for its purpose, unused and unexpired now', async () => {
    const { hasura, calls } = recordingHasura({
      update_account_ticket: { returning: [{ email: 'ada@example.com' }] },
    });
    const spent = await createTickets({ hasura, accounts, now: () => NOW }).spend(
      'the-token',
      'reset-password',
      NOW + 5000,
    );
    expect(spent).toEqual({ email: 'ada@example.com' });
    expect(calls).toEqual([
      {
        query: expect.stringContaining('mutation UseTicket'),
        variables: {
          hash: hashTicketToken('the-token'),
          purpose: 'reset-password',
          now: '2026-03-01T12:00:00.000Z',
        },
        options: { deadline: NOW + 5000 },
      },
    ]);
  });

  it.each([
    ['no ticket matched', { update_account_ticket: { returning: [] } }],
    ['no answer', { update_account_ticket: null }],
  ])('refuses a spend as invalid-ticket when %s', async (_, answer) => {
    const spend = tickets(accounts, answer).spend('the-token', 'verify-email');
    await expect(spend).rejects.toThrow(AppError);
    await expect(spend).rejects.toMatchObject({ code: 'invalid-ticket' });
  });

  it("reads an address's account, or undefined when there is none", async () => {
    const { hasura, calls } = recordingHasura({ user: [{ id: 7, email_verified: true }] });
    const lookup = createTickets({ hasura, accounts, now: () => NOW });
    expect(await lookup.accountOf('ada@example.com', NOW + 1000)).toEqual({ id: 7, email_verified: true });
    expect(calls).toEqual([
      {
        query: expect.stringContaining('query MailAccountLookup'),
        variables: { email: 'ada@example.com' },
        options: { deadline: NOW + 1000 },
      },
    ]);
    expect(await tickets(accounts, { user: [] }).accountOf('nobody@example.com')).toBeUndefined();
  });
});
