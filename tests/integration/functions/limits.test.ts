import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ChangePassword } from '../../../functions/change-password';
import { DeleteAccount } from '../../../functions/delete-account';
import { ProjectStatus } from '../../../functions/project-status';
import { RequestPasswordReset } from '../../../functions/request-password-reset';
import { ResendVerificationEmail } from '../../../functions/resend-verification-email';
import { Signin } from '../../../functions/signin';
import { Signup } from '../../../functions/signup';
import { createPasswords } from '../../../lib/accounts/passwords';
import { type ActionHandler, actionHandler } from '../../../lib/action/handler';
import { createRateLimiter } from '../../../lib/action/rate-limit';
import type { LimitsConfig } from '../../../lib/action/settings';
import type { Projects } from '../../../lib/instances/projects';
import { functionAccounts } from '../../helpers/accounts';
import { startTestHasura, type TestHasura } from '../../helpers/hasura';
import { actionEvent, invoke, lambdaContext, memoryLogger, TEST_SECRET } from '../../helpers/lambda';
import { memoryMail } from '../../helpers/mail';

/**
 * The rate limits through the real handlers and the Hasura stand-in, with tight settings: per
 * user, per client address (never one the client chose), the sign-up ceiling, aliases.
 */

const JWT = { type: 'HS256', key: 'test-jwt-key-that-is-at-least-32-characters' };
const settings: LimitsConfig = {
  windowSeconds: 60,
  perUser: 3,
  perAddress: 4,
  signupsPerAddressPerHour: 2,
  signupsPerHour: 3,
  signinMaxFailures: 3,
  signinWindowSeconds: 300,
  signinMaxFailuresPerEmail: 10,
  signinEmailWindowSeconds: 3600,
  clientAddressDepth: 1,
  mailsPerEmailPerWindow: 2,
  mailWindowSeconds: 300,
  mailsPerAddressPerHour: 3,
  mailsPerHour: 1000,
};

let hasura: TestHasura;
let server: Server;
let handlers: Record<string, ActionHandler>;
const mail = memoryMail();
const checked = { count: 0 };

function runtimeWith<D>(deps: D, overrides: Partial<LimitsConfig> = {}) {
  const limiter = createRateLimiter({ hasura: hasura.client });
  return () => ({
    actionsSecret: TEST_SECRET,
    log: memoryLogger().log,
    budgetMs: 25_000,
    limits: { limiter, settings: { ...settings, ...overrides } },
    deps,
  });
}

beforeAll(async () => {
  // The handlers over HTTP, as API Gateway would pass them Hasura's calls, on a port the kernel
  // chose (Hasura is told it next).
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const handler = handlers[req.url ?? ''];
      if (!handler) {
        res.writeHead(404).end();
        return;
      }
      const event = {
        ...actionEvent('', {}),
        headers: req.headers as Record<string, string>,
        body: Buffer.concat(chunks).toString('utf8'),
      } as APIGatewayProxyEventV2;
      const result = await handler(event, lambdaContext());
      res.writeHead(result.statusCode ?? 500, { 'content-type': 'application/json' }).end(result.body);
    });
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  hasura = await startTestHasura({
    ACTIONS_BASE_URL: `http://127.0.0.1:${port}`,
    ACTIONS_SECRET: TEST_SECRET,
    HASURA_GRAPHQL_JWT_SECRET: JSON.stringify(JWT),
  });
  const passwords = createPasswords(10);
  const verify = passwords.verify.bind(passwords);
  passwords.verify = (password, hash) => {
    checked.count++;
    return verify(password, hash);
  };
  const accounts = functionAccounts({
    hasura: hasura.client,
    jwtKey: JWT.key,
    limits: settings,
    mailer: mail.mailer,
    passwords,
    projects: { remove: async () => ({ ok: true as const }) },
  });
  const projects = {
    status: async (id: number) => ({ id, status: 'RUNNING' as const, url: 'https://x.oom.sh' }),
  } as unknown as Projects;
  handlers = {
    '/signup': actionHandler(Signup, runtimeWith({ accounts })),
    '/signin': actionHandler(Signin, runtimeWith({ accounts })),
    '/resend-verification-email': actionHandler(ResendVerificationEmail, runtimeWith({ accounts })),
    '/request-password-reset': actionHandler(RequestPasswordReset, runtimeWith({ accounts })),
    '/project-status': actionHandler(ProjectStatus, runtimeWith({ projects })),
    // A looser per-user limit, so that the password-check limit is the one reached.
    '/change-password': actionHandler(ChangePassword, runtimeWith({ accounts }, { perUser: 100 })),
    '/delete-account': actionHandler(DeleteAccount, runtimeWith({ accounts }, { perUser: 100 })),
  };
});

afterAll(async () => {
  await new Promise((done) => server.close(done));
  await hasura.close();
});

beforeEach(async () => {
  await hasura.emptyTables();
  mail.sent.length = 0;
  checked.count = 0;
});

interface Answer {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** A GraphQL request reaching Hasura through the load balancer, which appended `from`. */
async function graphql(query: string, options: { from: string; spoof?: string; token?: string }) {
  const forwardedFor = options.spoof ? `${options.spoof}, ${options.from}` : options.from;
  const { body } = await hasura.engine.execute({
    query,
    headers: {
      'x-forwarded-for': forwardedFor,
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
  });
  return body as Answer;
}

const signupMutation = (emails: string[]) =>
  `mutation { ${emails
    .map((email, i) => `s${i}: Signup(input: {email: "${email}", password: "mysecret"}) { accessToken }`)
    .join(' ')} }`;

describe('rate limits through Hasura and the handlers', () => {
  it('counts every alias of one request as one call', async () => {
    // Five aliased sign-ups in one request: two per address per hour.
    const emails = ['a@example.com', 'b@example.com', 'c@example.com', 'd@example.com', 'e@example.com'];
    const answer = await graphql(signupMutation(emails), { from: '203.0.113.7' });
    // The stand-in answers the first error only; the database tells how many went through.
    expect(answer.errors?.[0]?.extensions).toEqual({
      code: 'rate-limited',
      retryAfterSeconds: expect.any(Number),
    });
    expect((await hasura.db.query('SELECT email FROM "user"')).rows).toHaveLength(2);
  });

  it('keys anonymous callers on the address the load balancer saw, not on one they chose', async () => {
    for (let i = 0; i < 2; i++) {
      const answer = await graphql(signupMutation([`ok${i}@example.com`]), {
        from: '203.0.113.7',
        spoof: `10.0.0.${i}`,
      });
      expect(answer.errors).toBeUndefined();
    }
    // A fresh X-Forwarded-For from the client changes nothing: the appended entry is the key.
    const spoofed = await graphql(signupMutation(['third@example.com']), {
      from: '203.0.113.7',
      spoof: '198.51.100.99',
    });
    expect(spoofed.errors?.[0]?.extensions?.code).toBe('rate-limited');
    // Another address has its own allowance, until the global ceiling (3 per hour) says no.
    expect(
      (await graphql(signupMutation(['other@example.com']), { from: '198.51.100.1' })).errors,
    ).toBeUndefined();
    const ceiling = await graphql(signupMutation(['late@example.com']), { from: '198.51.100.2' });
    expect(ceiling.errors?.[0]).toEqual({
      message: expect.stringContaining('Too many requests'),
      extensions: { code: 'rate-limited', retryAfterSeconds: expect.any(Number) },
    });
  });

  it('checks at most the limit of 50 concurrent wrong passwords for one email', async () => {
    await graphql(signupMutation(['ada@example.com']), { from: '192.0.2.1' });
    checked.count = 0;
    const signin =
      'mutation { Signin(input: {email: "ada@example.com", password: "wrong-password"}) { accessToken } }';
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => graphql(signin, { from: '203.0.113.7', spoof: '10.9.9.9' })),
    );
    expect(checked.count).toBe(3);
    const codes = answers.map((a) => a.errors?.[0]?.extensions?.code);
    expect(codes.filter((c) => c === 'invalid-credentials')).toHaveLength(3);
    expect(codes.filter((c) => c === 'too-many-attempts' || c === 'rate-limited')).toHaveLength(47);
  });

  it('limits the emails one address is sent, whether or not it has an account, from any caller', async () => {
    await graphql(signupMutation(['ada@example.com']), { from: '192.0.2.1' });
    for (const email of ['ada@example.com', 'nobody@example.com']) {
      const reset = (from: string) =>
        graphql(`mutation { RequestPasswordReset(input: {email: "${email}"}) { ok } }`, { from });
      expect((await reset('198.51.100.1')).errors).toBeUndefined();
      expect((await reset('198.51.100.2')).errors).toBeUndefined();
      expect((await reset('198.51.100.3')).errors?.[0]).toEqual({
        message: 'Too many emails were asked for this address. Try again later.',
        extensions: { code: 'too-many-emails', retryAfterSeconds: expect.any(Number) },
      });
    }
    // Signup and ResendVerificationEmail share the verification emails' count (Signup sent one).
    const resend = (from: string) =>
      graphql('mutation { ResendVerificationEmail(input: {email: "ada@example.com"}) { ok } }', { from });
    expect((await resend('198.51.100.4')).errors).toBeUndefined();
    expect((await resend('198.51.100.5')).errors?.[0]?.extensions?.code).toBe('too-many-emails');
    expect(mail.sent).toHaveLength(6);
  });

  it('limits a user per action, not other users', async () => {
    const call = (userId: string) =>
      invoke(
        handlers['/project-status'] as ActionHandler,
        actionEvent(
          'ProjectStatus',
          { id: 1 },
          { session: { 'x-hasura-role': 'user', 'x-hasura-user-id': userId } },
        ),
      );
    for (let i = 0; i < 3; i++) expect((await call('7')).status).toBe(200);
    const refused = await call('7');
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      message: expect.any(String),
      extensions: { code: 'rate-limited', retryAfterSeconds: expect.any(Number) },
    });
    expect((refused.body.extensions?.retryAfterSeconds as number) > 0).toBe(true);
    expect((await call('8')).status).toBe(200);
  });

  it('keys mail limits on the mailbox: +tags and Gmail dots reach one inbox, and count as one', async () => {
    const reset = (email: string, from: string) =>
      graphql(`mutation { RequestPasswordReset(input: {email: "${email}"}) { ok } }`, { from });
    expect((await reset('dave+1@gmail.com', '198.51.100.1')).errors).toBeUndefined();
    expect((await reset('D.ave+2@googlemail.com', '198.51.100.2')).errors).toBeUndefined();
    expect((await reset('d.a.v.e+35@gmail.com', '198.51.100.3')).errors?.[0]?.extensions?.code).toBe(
      'too-many-emails',
    );
    expect(mail.sent).toHaveLength(2);
  });

  it('limits the emails one client may ask for, whatever the mailboxes', async () => {
    const reset = (n: number) =>
      graphql(`mutation { RequestPasswordReset(input: {email: "someone${n}@example.com"}) { ok } }`, {
        from: '203.0.113.50',
      });
    for (let n = 0; n < 3; n++) expect((await reset(n)).errors).toBeUndefined();
    expect((await reset(3)).errors?.[0]?.extensions?.code).toBe('too-many-emails');
    // Another client's request for those mailboxes is not refused because of it.
    expect(
      (
        await graphql('mutation { RequestPasswordReset(input: {email: "someone3@example.com"}) { ok } }', {
          from: '192.0.2.77',
        })
      ).errors,
    ).toBeUndefined();
  });

  it('blocks the owner’s own RequestPasswordReset, after strangers spent the mailbox’s emails, for minutes only', async () => {
    await graphql(signupMutation(['ada@example.com']), { from: '192.0.2.1' });
    for (const from of ['203.0.113.1', '203.0.113.2', '203.0.113.3'])
      await graphql('mutation { RequestPasswordReset(input: {email: "ada@example.com"}) { ok } }', { from });
    const own = await graphql('mutation { RequestPasswordReset(input: {email: "ada@example.com"}) { ok } }', {
      from: '192.0.2.1',
    });
    expect(own.errors?.[0]?.extensions?.code).toBe('too-many-emails');
    expect(own.errors?.[0]?.extensions?.retryAfterSeconds as number).toBeLessThanOrEqual(
      settings.mailWindowSeconds,
    );
  });

  it.each([
    ['/change-password', 'ChangePassword', { oldPassword: 'wrong-password', newPassword: 'new-password-1' }],
    ['/delete-account', 'DeleteAccount', { password: 'wrong-password' }],
  ])(
    '%s counts failed password checks per user like Signin, even with the right password after',
    async (path, name, wrong) => {
      const { rows } = await hasura.db.query<{ id: number }>(
        `INSERT INTO "user" (email, password_hash, email_verified) VALUES ('u@example.com', $1, true) RETURNING id`,
        [await createPasswords(10).hash('mysecret')],
      );
      const call = (input: Record<string, unknown>, userId = String(rows[0]?.id)) =>
        invoke(
          handlers[path] as ActionHandler,
          actionEvent(name, input, { session: { 'x-hasura-role': 'user', 'x-hasura-user-id': userId } }),
        );
      const right =
        name === 'ChangePassword'
          ? { oldPassword: 'mysecret', newPassword: 'new-password-1' }
          : { password: 'mysecret' };
      // A right password gives its attempt back: it is not a failure.
      if (name === 'ChangePassword') expect((await call(right)).status).toBe(200);
      const current = name === 'ChangePassword' ? { ...right, oldPassword: 'new-password-1' } : right;
      checked.count = 0;
      for (let i = 0; i < 3; i++)
        expect((await call(wrong)).body.extensions?.code).toBe('invalid-credentials');
      const refused = await call(current);
      expect(refused.status).toBe(429);
      expect(refused.body.extensions?.code).toBe('too-many-attempts');
      expect(checked.count).toBe(3);
      // Another user is not limited by it.
      expect((await call(wrong, '999')).body.extensions?.code).toBe('account-not-found');
    },
  );
});
