import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppError } from '../../../lib/basics/errors';
import { EnvReader } from '../../../lib/basics/settings';
import { type CaptchaVerifier, createCaptchaVerifier } from '../../../lib/platform/captcha';
import { type CaptchaConfig, readCaptcha } from '../../../lib/platform/captcha/settings';
import {
  type CaptchaStandIn,
  HCAPTCHA_TEST,
  startCaptchaStandIn,
  TURNSTILE_TEST,
} from '../../../sandbox/captcha';

/** lib/platform/captcha against the siteverify stand-in, with each provider's documented test keys. */

let standIn: CaptchaStandIn;
beforeAll(async () => {
  standIn = await startCaptchaStandIn();
});
afterAll(() => standIn.close());
beforeEach(() => {
  standIn.calls.length = 0;
  standIn.latencyMs = 0;
});

function verifier(provider: 'turnstile' | 'hcaptcha', secret: string, timeoutMs = 3000): CaptchaVerifier {
  const config: CaptchaConfig = { provider, secret, verifyUrl: standIn.verifyUrl[provider], timeoutMs };
  const built = createCaptchaVerifier(config);
  if (!built) throw new Error('no verifier');
  return built;
}

/** The AppError a verification threw (or undefined when it passed). */
async function outcome(promise: Promise<void>): Promise<AppError | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
}

/** What the error tells operators (its cause's message), which its log line carries. */
function reason(error: AppError | undefined): string | undefined {
  return (error?.cause as Error | undefined)?.message;
}

/** Every string a thrown error carries, its causes included: what could reach a log. */
function everything(error: unknown): string {
  const parts: string[] = [];
  for (let e = error as Error | undefined; e; e = e.cause as Error | undefined)
    parts.push(e.message, e.stack ?? '', JSON.stringify(e));
  return parts.join('\n');
}

describe.each([
  {
    provider: 'turnstile' as const,
    passes: TURNSTILE_TEST.passes,
    token: TURNSTILE_TEST.token,
  },
  { provider: 'hcaptcha' as const, passes: HCAPTCHA_TEST.secret, token: HCAPTCHA_TEST.token },
])('$provider', ({ provider, passes, token }) => {
  it('passes the test token with the test secret, sent as a form with the client address', async () => {
    await expect(
      verifier(provider, passes).verify(token, { remoteIp: '203.0.113.7' }),
    ).resolves.toBeUndefined();
    expect(standIn.calls).toEqual([
      {
        provider,
        contentType: expect.stringMatching(/^application\/x-www-form-urlencoded/),
        fields: { secret: passes, response: token, remoteip: '203.0.113.7' },
      },
    ]);
  });

  it('sends no remoteip when the address is unknown', async () => {
    await verifier(provider, passes).verify(token);
    expect(standIn.calls[0]?.fields).toEqual({ secret: passes, response: token });
  });

  it('refuses another token as captcha-invalid, naming the provider’s error code only', async () => {
    const error = await outcome(verifier(provider, passes).verify('forged-token-value'));
    expect(error?.code).toBe('captcha-invalid');
    expect(error?.status).toBe(403);
    expect(reason(error)).toContain('invalid-input-response');
    expect(everything(error)).not.toContain('forged-token-value');
    expect(everything(error)).not.toContain(passes);
  });

  it('takes a secret the provider refuses as our mistake (internal-error), never the user’s', async () => {
    const wrong = `${passes.slice(0, -4)}beef`;
    const error = await outcome(verifier(provider, wrong).verify(token));
    expect(error?.code).toBe('internal-error');
    expect(reason(error)).toMatch(/invalid-input-secret.*CAPTCHA_SECRET/);
    expect(everything(error)).not.toContain(wrong);
    expect(everything(error)).not.toContain(token);
  });

  it('gives up at its timeout with captcha-unavailable (fail closed)', async () => {
    standIn.latencyMs = 2000;
    const error = await outcome(verifier(provider, passes, 500).verify(token));
    expect(error?.code).toBe('captcha-unavailable');
    expect(reason(error)).toBe('CAPTCHA siteverify did not answer within 500 ms');
  });

  it('never waits past the action’s deadline, whatever its own timeout', async () => {
    standIn.latencyMs = 2000;
    const error = await outcome(
      verifier(provider, passes, 10_000).verify(token, { deadline: Date.now() + 300 }),
    );
    expect(error?.code).toBe('captcha-unavailable');
    expect(reason(error)).toMatch(/did not answer within (2\d\d|300) ms/);
  });
});

describe('turnstile test secrets', () => {
  it('"always fails" refuses the dummy token as captcha-invalid', async () => {
    expect(
      (await outcome(verifier('turnstile', TURNSTILE_TEST.fails).verify(TURNSTILE_TEST.token)))?.code,
    ).toBe('captcha-invalid');
  });

  it('"token already spent" is captcha-invalid too (timeout-or-duplicate)', async () => {
    const error = await outcome(verifier('turnstile', TURNSTILE_TEST.spent).verify(TURNSTILE_TEST.token));
    expect(error?.code).toBe('captcha-invalid');
    expect(reason(error)).toContain('timeout-or-duplicate');
  });

  it('a test secret of the other provider is refused as a wrong secret', async () => {
    expect(
      (await outcome(verifier('turnstile', HCAPTCHA_TEST.secret).verify(TURNSTILE_TEST.token)))?.code,
    ).toBe('internal-error');
  });
});

describe('when siteverify cannot be asked', () => {
  let server: Server | undefined;
  afterEach(
    () =>
      new Promise<void>((done) => {
        server?.closeAllConnections();
        return server ? server.close(() => done()) : done();
      }),
  );

  async function answering(status: number, body: string): Promise<string> {
    server = createServer((_req, res) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(body),
    );
    await new Promise<void>((ready) => server?.listen(0, '127.0.0.1', ready));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/siteverify`;
  }

  const at = (verifyUrl: string) =>
    createCaptchaVerifier({ provider: 'hcaptcha', secret: HCAPTCHA_TEST.secret, verifyUrl, timeoutMs: 2000 });

  it('a refused connection is captcha-unavailable, with the system error for operators', async () => {
    const closed = await startCaptchaStandIn();
    await closed.close();
    const error = await outcome(
      at(closed.verifyUrl.hcaptcha)?.verify(HCAPTCHA_TEST.token) ?? Promise.resolve(),
    );
    expect(error?.code).toBe('captcha-unavailable');
    expect(error?.status).toBe(424);
    expect(reason(error)).toMatch(/could not be reached: TypeError ECONNREFUSED/);
  });

  it.each([
    ['an HTTP 503', 503, '{"success": true}', 'answered HTTP 503'],
    ['an answer that is not JSON', 200, '<html>', 'answered something that is not JSON'],
    ['JSON without success', 200, '{"ok": true}', 'answered JSON without a boolean "success"'],
    [
      'the provider’s own internal error',
      200,
      '{"success": false, "error-codes": ["internal-error"]}',
      'internal-error',
    ],
  ])('%s is captcha-unavailable', async (_label, status, body, why) => {
    const error = await outcome(
      at(await answering(status, body))?.verify(HCAPTCHA_TEST.token) ?? Promise.resolve(),
    );
    expect(error?.code).toBe('captcha-unavailable');
    expect(reason(error)).toContain(why);
  });
});

describe('settings', () => {
  const read = (env: Record<string, string>) => {
    const reader = new EnvReader(env);
    return { config: readCaptcha(reader), problems: reader.problems };
  };

  it('are off by default, with nothing required', () => {
    expect(read({})).toEqual({ config: { provider: 'none' }, problems: [] });
  });

  it('require the secret once a provider is chosen, and default to its siteverify', () => {
    expect(read({ CAPTCHA_PROVIDER: 'hcaptcha' }).problems).toEqual([
      'CAPTCHA_SECRET is required when CAPTCHA_PROVIDER=hcaptcha',
    ]);
    expect(read({ CAPTCHA_PROVIDER: 'turnstile', CAPTCHA_SECRET: TURNSTILE_TEST.passes })).toEqual({
      config: {
        provider: 'turnstile',
        secret: TURNSTILE_TEST.passes,
        verifyUrl: 'https://challenges.cloudflare.com/turnstile/v0/siteverify',
        timeoutMs: 3000,
      },
      problems: [],
    });
  });

  it('refuse an unknown provider and a plain-http verify URL off loopback', () => {
    expect(read({ CAPTCHA_PROVIDER: 'recaptcha' }).problems).toEqual([
      'CAPTCHA_PROVIDER must be one of none, turnstile, hcaptcha',
    ]);
    expect(
      read({
        CAPTCHA_PROVIDER: 'hcaptcha',
        CAPTCHA_SECRET: HCAPTCHA_TEST.secret,
        CAPTCHA_VERIFY_URL: 'http://x.example/siteverify',
      }).problems,
    ).toEqual(['CAPTCHA_VERIFY_URL must use https (plain http is only accepted on localhost)']);
  });
});
