/**
 * A LOCAL STAND-IN for the CAPTCHA providers' siteverify APIs, for `npm start` and the tests only:
 * it answers as Cloudflare Turnstile and hCaptcha answer for their documented TEST keys, and
 * refuses every other secret as the providers refuse an unknown one. Nothing here is deployed;
 * production talks to the providers themselves (CAPTCHA_VERIFY_URL unset). See README.md here.
 *
 * - Turnstile (https://developers.cloudflare.com/turnstile/troubleshooting/testing/): the test
 *   secret `1x0000000000000000000000000000000AA` always passes, `2x…AA` always fails,
 *   `3x…AA` answers "token already spent" (`timeout-or-duplicate`); the test sitekeys hand the
 *   browser the dummy token `XXXX.DUMMY.TOKEN.XXXX`, the one token the stand-in accepts.
 *   Served at `/turnstile/v0/siteverify`, as challenges.cloudflare.com serves it.
 * - hCaptcha (https://docs.hcaptcha.com/#integration-testing-test-keys): the test secret
 *   `0x0000000000000000000000000000000000000000` with the test response token
 *   `10000000-aaaa-bbbb-cccc-000000000001` (what the test sitekey
 *   `10000000-ffff-ffff-ffff-000000000001` hands the browser) passes; any other token fails.
 *   Served at `/siteverify`, as api.hcaptcha.com serves it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const TURNSTILE_TEST = {
  sitekey: '1x00000000000000000000AA',
  passes: '1x0000000000000000000000000000000AA',
  fails: '2x0000000000000000000000000000000AA',
  spent: '3x0000000000000000000000000000000AA',
  token: 'XXXX.DUMMY.TOKEN.XXXX',
} as const;

export const HCAPTCHA_TEST = {
  sitekey: '10000000-ffff-ffff-ffff-000000000001',
  secret: '0x0000000000000000000000000000000000000000',
  token: '10000000-aaaa-bbbb-cccc-000000000001',
} as const;

/** One siteverify call as the stand-in received it (tests check what the client sends). */
export interface SiteverifyCall {
  provider: 'turnstile' | 'hcaptcha';
  contentType: string | undefined;
  fields: Record<string, string>;
}

export interface CaptchaStandIn {
  /** e.g. http://127.0.0.1:4321 */
  url: string;
  /** The siteverify URL of each provider on this stand-in (CAPTCHA_VERIFY_URL). */
  verifyUrl: { turnstile: string; hcaptcha: string };
  calls: SiteverifyCall[];
  /** Milliseconds to wait before each answer (0: none), to exercise a client's timeout. */
  latencyMs: number;
  close(): Promise<void>;
}

type Answer = { success: boolean; 'error-codes': string[] } & Record<string, unknown>;

const refused = (...codes: string[]): Answer => ({ success: false, 'error-codes': codes });

/** Turnstile's answer to the test secrets; any other secret is unknown to the stand-in. */
export function turnstileAnswer(fields: Record<string, string>): Answer {
  const { secret, response } = fields;
  if (!secret) return refused('missing-input-secret');
  if (secret !== TURNSTILE_TEST.passes && secret !== TURNSTILE_TEST.fails && secret !== TURNSTILE_TEST.spent)
    return refused('invalid-input-secret');
  if (!response) return refused('missing-input-response');
  if (secret === TURNSTILE_TEST.fails) return refused('invalid-input-response');
  if (secret === TURNSTILE_TEST.spent) return refused('timeout-or-duplicate');
  if (response !== TURNSTILE_TEST.token) return refused('invalid-input-response');
  return {
    success: true,
    'error-codes': [],
    challenge_ts: new Date().toISOString(),
    hostname: 'example.com',
    action: '',
    cdata: '',
  };
}

/** hCaptcha's answer to its test secret and token; any other secret is unknown to the stand-in. */
export function hcaptchaAnswer(fields: Record<string, string>): Answer {
  const { secret, response } = fields;
  if (!secret) return refused('missing-input-secret');
  if (secret !== HCAPTCHA_TEST.secret) return refused('invalid-input-secret');
  if (!response) return refused('missing-input-response');
  if (response !== HCAPTCHA_TEST.token) return refused('invalid-input-response');
  return {
    success: true,
    'error-codes': [],
    challenge_ts: new Date().toISOString(),
    hostname: 'dummy-key-pass',
    credit: false,
  };
}

const routes = {
  '/turnstile/v0/siteverify': { provider: 'turnstile', answer: turnstileAnswer },
  '/siteverify': { provider: 'hcaptcha', answer: hcaptchaAnswer },
} as const;

export async function startCaptchaStandIn(
  options: { port?: number; latencyMs?: number } = {},
): Promise<CaptchaStandIn> {
  const calls: SiteverifyCall[] = [];
  const state = { latencyMs: options.latencyMs ?? 0 };
  const server = createServer((req, res) => {
    void serve(req, res, calls, state.latencyMs).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    verifyUrl: { turnstile: `${url}/turnstile/v0/siteverify`, hcaptcha: `${url}/siteverify` },
    calls,
    get latencyMs() {
      return state.latencyMs;
    },
    set latencyMs(value: number) {
      state.latencyMs = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function serve(req: IncomingMessage, res: ServerResponse, calls: SiteverifyCall[], latencyMs: number) {
  const route = routes[(req.url ?? '').split('?')[0] as keyof typeof routes];
  if (!route) return reply(res, 404, { success: false, 'error-codes': ['not-found'] });
  if (req.method !== 'POST') return reply(res, 405, refused('bad-request'));
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  const contentType = req.headers['content-type'];
  const fields = parseBody(text, contentType, route.provider);
  // unref: a stand-in closed meanwhile does not keep the process alive for a slow answer.
  if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs).unref());
  if (!fields) return reply(res, 400, refused('bad-request'));
  calls.push({ provider: route.provider, contentType, fields });
  return reply(res, 200, route.answer(fields));
}

/** Both take a form; Turnstile also takes JSON (its documentation says so), hCaptcha does not. */
function parseBody(text: string, contentType: string | undefined, provider: 'turnstile' | 'hcaptcha') {
  if (contentType?.startsWith('application/x-www-form-urlencoded'))
    return Object.fromEntries(new URLSearchParams(text));
  if (provider === 'turnstile' && contentType?.startsWith('application/json')) {
    try {
      const json = JSON.parse(text) as Record<string, unknown>;
      return Object.fromEntries(Object.entries(json).map(([k, v]) => [k, String(v)]));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
