import { join } from 'node:path';
import type { DeclaredHandler } from '../../../lib/action/handler';
import { type ParametersExtension, startParametersExtension } from '../../../sandbox/parameters-extension';
import { actionEvent, invoke } from '../../helpers/lambda';

// A deployed function, as serverless.yml and plugins/settings-plugin.ts make it: SECRETS_SSM_PATH,
// the extension's port and its session token in its environment, no secret; its secrets come
// through the Parameters and Secrets extension (here its stand-in on loopback), once per cold start.

const ROOT = join(__dirname, '..', '..', '..');
const PATH = '/appwrite-cloud/test/';
const TOKEN = 'session-token-of-signup';
const SECRETS = ['HASURA_GRAPHQL_ADMIN_SECRET', 'HASURA_GRAPHQL_JWT_SECRET', 'ACTIONS_SECRET'];
const ENV = { ...process.env } as Record<string, string>;

/** A fresh copy of a function module (its runtime not yet built), as in a new Lambda. */
function freshHandler(file: string): DeclaredHandler {
  let handler: DeclaredHandler | undefined;
  jest.isolateModules(() => {
    handler = (require(file) as { handler: DeclaredHandler }).handler;
  });
  if (!handler) throw new Error(`no handler in ${file}`);
  return handler;
}

let extension: ParametersExtension;
const original = process.env;
beforeAll(async () => {
  extension = await startParametersExtension({ token: TOKEN });
});
afterAll(async () => {
  process.env = original;
  await extension.close();
});
beforeEach(() => {
  extension.requests.length = 0;
  extension.parameters.clear();
  const plain = Object.fromEntries(Object.entries(ENV).filter(([name]) => !SECRETS.includes(name)));
  process.env = {
    ...plain,
    SECRETS_SSM_PATH: PATH,
    PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(extension.port),
    AWS_SESSION_TOKEN: TOKEN,
  };
});
afterEach(() => {
  process.env = original;
});

const store = () => {
  for (const name of SECRETS) extension.parameters.set(`${PATH}${name}`, ENV[name] ?? '');
};
const signup = () => actionEvent('Signup', { email: 'nope', password: 'x' });

describe('a deployed function’s secrets', () => {
  it('come through the extension, each of its own parameters once per cold start, decrypted', async () => {
    store();
    const handler = freshHandler(join(ROOT, 'functions', 'signup'));
    // The actions secret read through the extension is what lets these calls through to validation.
    expect((await invoke(handler, signup())).body.extensions?.code).toBe('invalid-input');
    expect((await invoke(handler, signup())).body.extensions?.code).toBe('invalid-input');
    // Signup also asks for its optional SMTP_PASSWORD and CAPTCHA_SECRET: absent, no problem.
    expect(extension.requests.map((r) => r.name).sort()).toEqual(
      [...SECRETS, 'SMTP_PASSWORD', 'CAPTCHA_SECRET'].map((s) => `${PATH}${s}`).sort(),
    );
    expect(extension.requests.every((r) => r.decrypted && r.token === TOKEN)).toBe(true);
  });

  it('answer internal-error while a parameter is missing, naming it, and recover once it is there', async () => {
    const handler = freshHandler(join(ROOT, 'functions', 'signup'));
    const writes: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      writes.push(String(chunk));
      return true;
    });
    try {
      expect((await invoke(handler, signup())).body.extensions?.code).toBe('internal-error');
      store();
      expect((await invoke(handler, signup())).body.extensions?.code).toBe('invalid-input');
    } finally {
      spy.mockRestore();
    }
    expect(writes.join('')).toContain(`${PATH}ACTIONS_SECRET is missing or not readable by this function`);
    expect(writes.join('')).not.toContain(ENV.ACTIONS_SECRET ?? 'no secret in the test environment');
  });
});
