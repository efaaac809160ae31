import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { parse } from 'yaml';
import type { DeclaredHandler } from '../../../lib/action/handler';
import { settingsOf } from '../../../lib/runtime/config';
import { actionEvent, invoke } from '../../helpers/lambda';

const ROOT = join(__dirname, '..', '..', '..');
const functions = Object.entries(
  parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')).functions as Record<string, { handler: string }>,
).map(([name, { handler }]) => ({ name, file: join(ROOT, handler.replace(/\.handler$/, '')) }));

/** A fresh copy of a function module (its runtime not yet built), as in a new Lambda. */
function freshHandler(file: string): DeclaredHandler {
  let handler: DeclaredHandler | undefined;
  jest.isolateModules(() => {
    handler = (require(file) as { handler: DeclaredHandler }).handler;
  });
  if (!handler) throw new Error(`no handler in ${file}`);
  return handler;
}

/** Runs `fn` with process.env replaced by a copy of `env` that records every name read. */
async function recordingReads(env: Record<string, string>, fn: () => Promise<unknown>): Promise<Set<string>> {
  const read = new Set<string>();
  const original = process.env;
  process.env = new Proxy(
    { ...env },
    {
      get(target, key) {
        if (typeof key === 'string') read.add(key);
        return Reflect.get(target, key);
      },
    },
  );
  try {
    await fn();
  } finally {
    process.env = original;
  }
  return read;
}

const ENV = { ...process.env } as Record<string, string>;
const declaredNames = (h: DeclaredHandler) => settingsOf(h.sections).map((s) => s.name);

describe.each(functions)('function $name', ({ file }) => {
  it('reads at cold start exactly the settings its runtime declares, and nothing else', async () => {
    const handler = freshHandler(file);
    expect(handler.sections.length).toBeGreaterThan(0);
    const read = await recordingReads(ENV, () =>
      invoke(handler, actionEvent('Nothing', {}, { secret: null })),
    );
    const ours = [...read].filter((name) => /^[A-Z][A-Z0-9_]+$/.test(name) && name in ENV);
    expect(new Set(ours)).toEqual(new Set(declaredNames(handler).filter((name) => name in ENV)));
    expect(read.has('SECRETS_SSM_PATH')).toBe(true);
  });
});

describe('least privilege between functions', () => {
  const settings = Object.fromEntries(
    functions.map(({ name, file }) => [name, declaredNames(freshHandler(file))]),
  );

  it.each(['signup', 'signin', 'refreshToken', 'signout'])('%s never sees the Qovery token', (name) => {
    expect(settings[name]).toContain('HASURA_GRAPHQL_JWT_SECRET');
    expect(settings[name]).not.toContain('QOVERY_API_TOKEN');
  });

  it.each(['deleteAccount', 'requestPasswordReset', 'resendVerificationEmail'])(
    '%s never sees the JWT signing key (it issues no token)',
    (name) => {
      expect(settings[name]).toContain('HASURA_GRAPHQL_ADMIN_SECRET');
      expect(settings[name]).not.toContain('HASURA_GRAPHQL_JWT_SECRET');
    },
  );

  const captchaFunctions = ['signup', 'requestPasswordReset', 'resendVerificationEmail'];

  it.each(captchaFunctions)('%s reads the CAPTCHA settings, its secret included', (name) => {
    expect(settingsOf(['captcha']).map((s) => s.name)).toEqual(
      expect.arrayContaining(['CAPTCHA_PROVIDER', 'CAPTCHA_SECRET', 'CAPTCHA_VERIFY_URL']),
    );
    for (const setting of settingsOf(['captcha'])) expect(settings[name]).toContain(setting.name);
  });

  it('no other function gets the CAPTCHA secret', () => {
    const others = functions.map((f) => f.name).filter((name) => !captchaFunctions.includes(name));
    expect(others.length).toBeGreaterThan(10);
    for (const name of others) expect(settings[name]).not.toContain('CAPTCHA_SECRET');
  });

  it.each(['createProject', 'startProject', 'stopProject', 'deleteProject', 'projectStatus', 'claimConsole'])(
    '%s never sees the JWT signing key',
    (name) => {
      expect(settings[name]).toContain('QOVERY_API_TOKEN');
      expect(settings[name]).not.toContain('HASURA_GRAPHQL_JWT_SECRET');
    },
  );
});

describe('a function on AWS', () => {
  const ssm = mockClient(SSMClient);
  const PATH = '/appwrite-cloud/test/';
  const secrets = ['HASURA_GRAPHQL_ADMIN_SECRET', 'HASURA_GRAPHQL_JWT_SECRET', 'ACTIONS_SECRET'];
  const awsEnv = Object.fromEntries(Object.entries(ENV).filter(([name]) => !secrets.includes(name)));
  afterAll(() => ssm.restore());
  beforeEach(() => ssm.reset());
  /** SSM's answer when every parameter asked for is stored under PATH. */
  const stored = (input: { Names: string[] }) => ({
    Parameters: input.Names.map((n) => ({ Name: n, Value: ENV[n.slice(PATH.length)], Type: 'SecureString' })),
  });

  it('reads its secrets from SSM once per cold start, not from its environment', async () => {
    ssm.on(GetParametersCommand).callsFake(stored);
    const handler = freshHandler(join(ROOT, 'functions', 'signup'));
    const answers = await recordingReads(
      { ...awsEnv, SECRETS_SSM_PATH: PATH, AWS_REGION: 'eu-west-3' },
      async () => [
        // The actions secret fetched from SSM is what lets these calls through to input validation.
        await invoke(handler, actionEvent('Signup', { email: 'nope', password: 'x' })),
        await invoke(handler, actionEvent('Signup', { email: 'nope', password: 'x' })),
      ],
    );
    expect(answers.has('SECRETS_SSM_PATH')).toBe(true);
    const calls = ssm.commandCalls(GetParametersCommand);
    expect(calls).toHaveLength(1);
    // Signup also asks for its optional SMTP_PASSWORD (an SES set-up has none) and CAPTCHA_SECRET
    // (none while CAPTCHA_PROVIDER is none): absent, no problem.
    expect([...(calls[0]?.args[0].input.Names ?? [])].sort()).toEqual(
      [...secrets, 'SMTP_PASSWORD', 'CAPTCHA_SECRET'].map((s) => `${PATH}${s}`).sort(),
    );
  });

  it('answers internal-error while a parameter is missing, and recovers once it is there', async () => {
    let created = false; // the operator puts the parameters after the first call
    ssm
      .on(GetParametersCommand)
      .callsFake((input: { Names: string[] }) =>
        created ? stored(input) : { Parameters: [], InvalidParameters: input.Names },
      );
    const handler = freshHandler(join(ROOT, 'functions', 'signup'));
    const writes: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      writes.push(String(chunk));
      return true;
    });
    const answers: Awaited<ReturnType<typeof invoke>>[] = [];
    try {
      await recordingReads({ ...awsEnv, SECRETS_SSM_PATH: PATH, AWS_REGION: 'eu-west-3' }, async () => {
        answers.push(await invoke(handler, actionEvent('Signup', { email: 'nope', password: 'x' })));
        created = true;
        answers.push(await invoke(handler, actionEvent('Signup', { email: 'nope', password: 'x' })));
      });
    } finally {
      spy.mockRestore();
    }
    expect(answers[0]?.body.extensions?.code).toBe('internal-error');
    expect(writes.join('')).toContain(`${PATH}ACTIONS_SECRET is missing`);
    expect(answers[1]?.body.extensions?.code).toBe('invalid-input');
  });

  it('with a CAPTCHA provider and no CAPTCHA_SECRET parameter, answers internal-error saying so', async () => {
    ssm.on(GetParametersCommand).callsFake(stored);
    const handler = freshHandler(join(ROOT, 'functions', 'request-password-reset'));
    const writes: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      writes.push(String(chunk));
      return true;
    });
    let answer: Awaited<ReturnType<typeof invoke>> | undefined;
    try {
      const env = {
        ...awsEnv,
        SECRETS_SSM_PATH: PATH,
        AWS_REGION: 'eu-west-3',
        CAPTCHA_PROVIDER: 'turnstile',
      };
      await recordingReads(env, async () => {
        answer = await invoke(handler, actionEvent('RequestPasswordReset', { email: 'ada@example.com' }));
      });
    } finally {
      spy.mockRestore();
    }
    expect(answer?.body.extensions?.code).toBe('internal-error');
    expect(writes.join('')).toContain('CAPTCHA_SECRET is required when CAPTCHA_PROVIDER=turnstile');
    // The parameter was asked for: packaging gives this function the right to read it.
    expect(ssm.commandCalls(GetParametersCommand)[0]?.args[0].input.Names).toContain(`${PATH}CAPTCHA_SECRET`);
  });

  it('refuses at cold start a Qovery id that is not a UUID or a plain-http Qovery URL, saying which', async () => {
    ssm.on(GetParametersCommand).callsFake(stored);
    const handler = freshHandler(join(ROOT, 'functions', 'start-project'));
    const writes: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      writes.push(String(chunk));
      return true;
    });
    let answer: Awaited<ReturnType<typeof invoke>> | undefined;
    try {
      const env = {
        // The project functions' own secrets come from SSM too (the mock serves none of them).
        ...Object.fromEntries(
          Object.entries(awsEnv).filter(
            ([name]) => name !== 'QOVERY_API_TOKEN' && name !== 'CONSOLE_CLAIM_KEY',
          ),
        ),
        SECRETS_SSM_PATH: PATH,
        AWS_REGION: 'eu-west-3',
        QOVERY_PROJECT_ID: 'my-project',
        QOVERY_API_URL: 'http://api.qovery.com',
      };
      await recordingReads(env, async () => {
        answer = await invoke(
          handler,
          actionEvent(
            'StartProject',
            { id: 1 },
            { session: { 'x-hasura-role': 'user', 'x-hasura-user-id': '1' } },
          ),
        );
      });
    } finally {
      spy.mockRestore();
    }
    expect(answer?.body.extensions?.code).toBe('internal-error');
    const logged = writes.join('');
    expect(logged).toContain("QOVERY_PROJECT_ID must be a UUID (the id shown in Qovery's console or API)");
    expect(logged).toContain('QOVERY_API_URL must use https');
  });
});
