import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { RequestPasswordReset } from '../../../functions/request-password-reset';
import { ResendVerificationEmail } from '../../../functions/resend-verification-email';
import { Signup } from '../../../functions/signup';
import { type ActionHandler, actionHandler } from '../../../lib/action/handler';
import { createRateLimiter } from '../../../lib/action/rate-limit';
import type { LimitsConfig } from '../../../lib/action/settings';
import { accountEmailsRuntime, signupRuntime } from '../../../lib/runtime';
import {
  type CaptchaStandIn,
  HCAPTCHA_TEST,
  startCaptchaStandIn,
  TURNSTILE_TEST,
} from '../../../sandbox/captcha';
import { functionAccounts } from '../../helpers/accounts';
import { startTestHasura, type TestHasura } from '../../helpers/hasura';
import { actionEvent, lambdaContext, memoryLogger, TEST_SECRET } from '../../helpers/lambda';
import { memoryMail } from '../../helpers/mail';

/**
 * The CAPTCHA check through Hasura (the stand-in, with this repository's actions.graphql), the real
 * handlers of Signup, RequestPasswordReset and ResendVerificationEmail, the CAPTCHA verifier as
 * their runtimes build it from CAPTCHA_* settings, and the siteverify stand-in. Tight limits: the
 * global sign-up ceiling is 3 an hour, as an attacker with a few addresses would find it.
 */

const JWT = { type: 'HS256', key: 'test-jwt-key-that-is-at-least-32-characters' };
const settings: LimitsConfig = {
  windowSeconds: 60,
  perUser: 100,
  perAddress: 100,
  signupsPerAddressPerHour: 2,
  signupsPerHour: 3,
  signinMaxFailures: 3,
  signinMaxFailuresPerEmail: 10,
  signinWindowSeconds: 300,
  clientAddressDepth: 1,
  signinEmailWindowSeconds: 3600,
  mailsPerEmailPerWindow: 3,
  mailWindowSeconds: 300,
  mailsPerAddressPerHour: 1000,
  mailsPerHour: 1000,
};

type Mode = 'off' | 'turnstile' | 'hcaptcha';
let mode: Mode = 'off';
let hasura: TestHasura;
let captcha: CaptchaStandIn;
let server: Server;
const handlers = {} as Record<Mode, Record<string, ActionHandler>>;
const mail = memoryMail();

/** The CAPTCHA settings of each mode, as an operator would set them (locally: the stand-in). */
function captchaEnv(provider: Mode): Record<string, string> {
  if (provider === 'off') return {};
  const secret = provider === 'turnstile' ? TURNSTILE_TEST.passes : HCAPTCHA_TEST.secret;
  return {
    CAPTCHA_PROVIDER: provider,
    CAPTCHA_SECRET: secret,
    CAPTCHA_VERIFY_URL: captcha.verifyUrl[provider],
  };
}

async function handlersFor(provider: Mode): Promise<Record<string, ActionHandler>> {
  const env = { ...process.env, ...captchaEnv(provider) };
  // The verifier each function's runtime builds from its settings (none when the check is off).
  const fromSignup = (await signupRuntime.load(env)).captcha;
  const fromEmails = (await accountEmailsRuntime.load(env)).captcha;
  expect(fromSignup?.provider).toBe(provider === 'off' ? undefined : provider);
  expect(fromEmails?.provider).toBe(provider === 'off' ? undefined : provider);
  const accounts = functionAccounts({
    hasura: hasura.client,
    jwtKey: JWT.key,
    limits: settings,
    mailer: mail.mailer,
  });
  const runtime = (verifier: typeof fromSignup) => () => ({
    actionsSecret: TEST_SECRET,
    log: memoryLogger().log,
    budgetMs: 25_000,
    limits: { limiter: createRateLimiter({ hasura: hasura.client }), settings },
    ...(verifier ? { captcha: verifier } : {}),
    deps: { accounts },
  });
  return {
    '/signup': actionHandler(Signup, runtime(fromSignup)),
    '/resend-verification-email': actionHandler(ResendVerificationEmail, runtime(fromEmails)),
    '/request-password-reset': actionHandler(RequestPasswordReset, runtime(fromEmails)),
  };
}

beforeAll(async () => {
  captcha = await startCaptchaStandIn();
  // The handlers over HTTP, as API Gateway passes them Hasura's calls (see limits.test.ts).
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const handler = handlers[mode][req.url ?? ''];
      if (!handler) return void res.writeHead(404).end();
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
  for (const each of ['off', 'turnstile', 'hcaptcha'] as const) handlers[each] = await handlersFor(each);
});

afterAll(async () => {
  await new Promise((done) => server.close(done));
  await Promise.all([hasura.close(), captcha.close()]);
});

beforeEach(async () => {
  await hasura.emptyTables();
  mail.sent.length = 0;
  captcha.calls.length = 0;
  mode = 'turnstile';
});

interface Answer {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** One GraphQL request through the load balancer (which appended `from`). */
async function graphql(query: string, from = '203.0.113.7'): Promise<Answer> {
  const { body } = await hasura.engine.execute({ query, headers: { 'x-forwarded-for': from } });
  return body as Answer;
}

const tokenField = (token: string | undefined) => (token === undefined ? '' : `, captchaToken: "${token}"`);
const calls = {
  Signup: (email: string, token?: string) =>
    `mutation { Signup(input: {email: "${email}", password: "correct-horse"${tokenField(token)}}) { emailVerificationRequired } }`,
  RequestPasswordReset: (email: string, token?: string) =>
    `mutation { RequestPasswordReset(input: {email: "${email}"${tokenField(token)}}) { ok } }`,
  ResendVerificationEmail: (email: string, token?: string) =>
    `mutation { ResendVerificationEmail(input: {email: "${email}"${tokenField(token)}}) { ok } }`,
};
const code = (answer: Answer) => answer.errors?.[0]?.extensions?.code;
const users = async () =>
  (await hasura.rows<{ email: string }>('SELECT email FROM "user" ORDER BY id')).map((u) => u.email);
const counters = async () =>
  Number((await hasura.rows<{ n: string }>('SELECT count(*) AS n FROM rate_limit'))[0]?.n);

describe.each(Object.keys(calls) as (keyof typeof calls)[])('%s with Turnstile on', (action) => {
  beforeEach(async () => {
    // An existing, unverified account, so that each action has something to email about.
    mode = 'off';
    expect(code(await graphql(calls.Signup('ada@example.com'), '192.0.2.1'))).toBeUndefined();
    mode = 'turnstile';
    mail.sent.length = 0;
    await hasura.db.query('DELETE FROM rate_limit');
  });

  it.each([
    ['no token', undefined, 'captcha-required'],
    ['a forged token', 'forged-by-a-bot', 'captcha-invalid'],
  ])('refuses %s, changing, counting and emailing nothing', async (_label, token, expected) => {
    const answer = await graphql(calls[action]('ada@example.com', token));
    expect(code(answer)).toBe(expected);
    expect(await users()).toEqual(['ada@example.com']);
    expect(await counters()).toBe(0);
    expect(mail.sent).toHaveLength(0);
  });

  it('runs with the token the test sitekey hands out, verified with the client’s address', async () => {
    const answer = await graphql(calls[action]('ada@example.com', TURNSTILE_TEST.token));
    expect(answer.errors).toBeUndefined();
    expect(mail.sent.map((m) => m.to)).toEqual(['ada@example.com']);
    expect(captcha.calls).toEqual([
      expect.objectContaining({
        provider: 'turnstile',
        fields: { secret: TURNSTILE_TEST.passes, response: TURNSTILE_TEST.token, remoteip: '203.0.113.7' },
      }),
    ]);
  });
});

describe('hCaptcha on', () => {
  beforeEach(() => {
    mode = 'hcaptcha';
  });

  it('takes its test response token, and not Turnstile’s', async () => {
    expect(code(await graphql(calls.Signup('bob@example.com', TURNSTILE_TEST.token)))).toBe(
      'captcha-invalid',
    );
    expect(await users()).toEqual([]);
    const answer = await graphql(calls.Signup('bob@example.com', HCAPTCHA_TEST.token));
    expect(answer).toEqual({ data: { Signup: { emailVerificationRequired: true } } });
    expect(await users()).toEqual(['bob@example.com']);
  });
});

describe('the global sign-up ceiling (3 an hour here)', () => {
  const signups = async (count: number, token?: string) => {
    const codes: unknown[] = [];
    // One address per attacker, each within its own limit of 2 an hour.
    for (let i = 0; i < count; i++)
      codes.push(code(await graphql(calls.Signup(`bot${i}@example.com`, token), `198.51.100.${i + 1}`)));
    return codes;
  };

  it('without CAPTCHA, a few addresses spend it and a newcomer is refused (the attack)', async () => {
    mode = 'off';
    expect(await signups(3)).toEqual([undefined, undefined, undefined]);
    expect(code(await graphql(calls.Signup('newcomer@example.com'), '192.0.2.200'))).toBe('rate-limited');
  });

  it('with CAPTCHA, bots without a token spend nothing, and a newcomer gets in', async () => {
    expect(await signups(10)).toEqual(Array(10).fill('captcha-required'));
    expect(await counters()).toBe(0);
    const answer = await graphql(calls.Signup('newcomer@example.com', TURNSTILE_TEST.token), '192.0.2.200');
    expect(answer.errors).toBeUndefined();
  });

  it('with CAPTCHA, it no longer applies: solved challenges from many addresses cannot stop a newcomer', async () => {
    expect(await signups(6, TURNSTILE_TEST.token)).toEqual(Array(6).fill(undefined));
    const answer = await graphql(calls.Signup('newcomer@example.com', TURNSTILE_TEST.token), '192.0.2.200');
    expect(answer.errors).toBeUndefined();
    expect(await users()).toHaveLength(7);
    // The per-address limit still holds for a solver on one address.
    const again = () =>
      graphql(calls.Signup(`x${Math.random()}@example.com`, TURNSTILE_TEST.token), '198.51.100.1');
    expect(code(await again())).toBe(undefined);
    expect(code(await again())).toBe('rate-limited');
  });
});
