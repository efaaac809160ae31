import { join } from 'node:path';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { lambdaContext } from '../../helpers/lambda';

/**
 * functions/actions-authorizer.ts and functions/qovery-webhook-authorizer.ts as API Gateway
 * invokes them: one secret each, read as every function reads its secrets, and no log line.
 */

type Authorizer = ((event: unknown, context: unknown) => Promise<{ isAuthorized: boolean }>) & {
  sections: readonly string[];
};
const ROOT = join(__dirname, '..', '..', '..');
const ACTIONS_SECRET = process.env.ACTIONS_SECRET as string;
const WEBHOOK_SECRET = process.env.QOVERY_WEBHOOK_SECRET as string;

/** A fresh copy of the module (its runtime not yet built), as in a new Lambda. */
function fresh(name: string): Authorizer {
  let handler: Authorizer | undefined;
  jest.isolateModules(() => {
    handler = (require(join(ROOT, 'functions', name)) as { handler: Authorizer }).handler;
  });
  if (!handler) throw new Error(`no handler in ${name}`);
  return handler;
}

const call = (handler: Authorizer, value: string) =>
  handler({ version: '2.0', type: 'REQUEST', identitySource: [value], headers: {} }, lambdaContext());

/** Runs `fn` and answers what it wrote to stdout, stderr or the console. */
async function output(fn: () => Promise<unknown>): Promise<string> {
  const written: string[] = [];
  const keep = (chunk: unknown) => {
    written.push(String(chunk));
    return true;
  };
  const spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation(keep),
    jest.spyOn(process.stderr, 'write').mockImplementation(keep),
    ...(['log', 'info', 'warn', 'error', 'debug'] as const).map((level) =>
      jest.spyOn(console, level).mockImplementation((...args: unknown[]) => void keep(args.join(' '))),
    ),
  ];
  try {
    await fn();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return written.join('');
}

describe.each([
  { name: 'actions-authorizer', secret: ACTIONS_SECRET, other: WEBHOOK_SECRET, section: 'actions' },
  { name: 'qovery-webhook-authorizer', secret: WEBHOOK_SECRET, other: ACTIONS_SECRET, section: 'webhook' },
])('functions/$name', ({ name, secret, other, section }) => {
  it('declares its one section of settings, nothing more', () => {
    expect(fresh(name).sections).toEqual([section]);
  });

  it('lets its own secret through, and refuses the other secret and wrong values', async () => {
    const handler = fresh(name);
    expect(await call(handler, secret)).toEqual({ isAuthorized: true });
    expect(await call(handler, other)).toEqual({ isAuthorized: false });
    expect(await call(handler, `${secret}x`)).toEqual({ isAuthorized: false });
    expect(await call(handler, '')).toEqual({ isAuthorized: false });
    expect(await handler({}, lambdaContext())).toEqual({ isAuthorized: false });
  });

  it('writes nothing, so neither the secret nor a guess of it reaches the logs', async () => {
    const handler = fresh(name);
    const written = await output(async () => {
      await call(handler, secret);
      await call(handler, 'a-guess');
    });
    expect(written).toBe('');
  });
});

describe('functions/actions-authorizer on AWS', () => {
  const ssm = mockClient(SSMClient);
  const PATH = '/appwrite-cloud/test/';
  const original = process.env;
  afterAll(() => ssm.restore());
  beforeEach(() => {
    ssm.reset();
    const { ACTIONS_SECRET: _secret, ...rest } = original;
    process.env = { ...rest, SECRETS_SSM_PATH: PATH, AWS_REGION: 'eu-west-3' };
  });
  afterEach(() => {
    process.env = original;
  });

  it('reads the actions secret alone from SSM, once per cold start', async () => {
    ssm.on(GetParametersCommand).resolves({
      Parameters: [{ Name: `${PATH}ACTIONS_SECRET`, Value: ACTIONS_SECRET, Type: 'SecureString' }],
    });
    const handler = fresh('actions-authorizer');
    expect(await call(handler, ACTIONS_SECRET)).toEqual({ isAuthorized: true });
    expect(await call(handler, 'a-guess')).toEqual({ isAuthorized: false });
    const calls = ssm.commandCalls(GetParametersCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input.Names).toEqual([`${PATH}ACTIONS_SECRET`]);
  });

  it('fails, rather than refuse, while it cannot read its secret: API Gateway would cache a refusal of the real one', async () => {
    ssm
      .on(GetParametersCommand)
      .resolvesOnce({ Parameters: [], InvalidParameters: [`${PATH}ACTIONS_SECRET`] })
      .resolves({
        Parameters: [{ Name: `${PATH}ACTIONS_SECRET`, Value: ACTIONS_SECRET, Type: 'SecureString' }],
      });
    const handler = fresh('actions-authorizer');
    await expect(call(handler, ACTIONS_SECRET)).rejects.toThrow(`${PATH}ACTIONS_SECRET is missing`);
    // The next invocation reads it again.
    expect(await call(handler, ACTIONS_SECRET)).toEqual({ isAuthorized: true });
  });
});
