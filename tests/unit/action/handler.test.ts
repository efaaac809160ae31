import * as v from 'valibot';
import { actionHandler, defineAction } from '../../../lib/action/handler';
import { AppError } from '../../../lib/basics/errors';
import startProjectPayload from '../../fixtures/actions/start-project.json';
import { actionEvent, invoke, memoryLogger, TEST_SECRET } from '../../helpers/lambda';

function setup(
  access: 'public' | 'user' = 'public',
  impl: (call: { input: unknown }) => Promise<unknown> = async (call) => ({ echo: call.input }),
) {
  const run = jest.fn(impl);
  const memory = memoryLogger([TEST_SECRET]);
  const action = defineAction({
    name: 'Echo',
    access,
    input: v.object({ name: v.pipe(v.string(), v.trim(), v.nonEmpty('name is required')) }),
    run: (call) => run(call),
  });
  const handler = actionHandler(action, () => ({
    actionsSecret: TEST_SECRET,
    log: memory.log,
    budgetMs: 5000,
    deps: {},
  }));
  return { handler, run, memory };
}

describe('action middleware', () => {
  it('runs the action with the validated input and answers 200 with its output', async () => {
    const { handler, run } = setup();
    const answer = await invoke(handler, actionEvent('Echo', { name: '  ada ' }));
    expect(answer).toEqual({ status: 200, body: { echo: { name: 'ada' } } });
    expect(run).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['without the secret header', null],
    ['with a wrong secret', 'wrong-secret'],
    ['with a secret that only shares a prefix', `${TEST_SECRET}x`],
    ['with an empty secret', ''],
  ])('refuses a call %s with 401 and does nothing', async (_label, secret) => {
    const { handler, run } = setup();
    const answer = await invoke(handler, actionEvent('Echo', { name: 'ada' }, { secret }));
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ message: expect.any(String), extensions: { code: 'unauthorized' } });
    expect(run).not.toHaveBeenCalled();
  });

  it('reads the secret header whatever its case', async () => {
    const { handler } = setup();
    const event = actionEvent(
      'Echo',
      { name: 'ada' },
      { secret: null, headers: { 'X-Actions-Secret': TEST_SECRET } },
    );
    expect((await invoke(handler, event)).status).toBe(200);
  });

  it('checks the secret before it reads the body', async () => {
    const { handler } = setup();
    const answer = await invoke(handler, actionEvent('Echo', {}, { secret: null, body: 'not json' }));
    expect(answer.body.extensions?.code).toBe('unauthorized');
  });

  it.each([
    ['a body that is not JSON', 'not json'],
    ['a body without session variables', JSON.stringify({ action: { name: 'Echo' }, input: { input: {} } })],
    ['a body without the action', JSON.stringify({ input: { input: {} }, session_variables: {} })],
    [
      'a body over 64 KiB',
      JSON.stringify({
        action: { name: 'Echo' },
        input: { input: { name: 'x'.repeat(70_000) } },
        session_variables: {},
      }),
    ],
  ])('answers invalid-payload for %s', async (_label, body) => {
    const { handler, run } = setup();
    const answer = await invoke(handler, actionEvent('Echo', {}, { body }));
    expect(answer.status).toBe(400);
    expect(answer.body.extensions?.code).toBe('invalid-payload');
    expect(run).not.toHaveBeenCalled();
  });

  it('answers unknown-action when Hasura calls it for another action', async () => {
    const { handler } = setup();
    const answer = await invoke(handler, actionEvent('Other', { name: 'ada' }));
    expect(answer.body.extensions?.code).toBe('unknown-action');
  });

  it('answers invalid-input with every problem, and never echoes the values', async () => {
    const { handler, run } = setup();
    const answer = await invoke(handler, actionEvent('Echo', { name: '   ' }));
    expect(answer.status).toBe(400);
    expect(answer.body.extensions).toEqual({ code: 'invalid-input', problems: ['name: name is required'] });
    expect(answer.body.message).toBe('The input is not valid: name: name is required.');
    expect(run).not.toHaveBeenCalled();
  });

  it('parses Hasura’s payload as Hasura sends it (double input, string session variables)', async () => {
    const run = jest.fn(async (call: { input: unknown }) => call);
    const memory = memoryLogger();
    const action = defineAction({
      name: 'StartProject',
      access: 'user',
      input: v.object({ id: v.number() }),
      run: (call) => run(call),
    });
    const handler = actionHandler(action, () => ({
      actionsSecret: TEST_SECRET,
      log: memory.log,
      budgetMs: 5000,
      deps: {},
    }));
    const event = actionEvent('StartProject', null, { body: JSON.stringify(startProjectPayload) });
    expect((await invoke(handler, event)).status).toBe(200);
    expect(run.mock.calls[0]?.[0]).toMatchObject({ input: { id: 10 }, role: 'user', userId: 1 });
  });

  it.each([
    ['an anonymous caller', { 'x-hasura-role': 'anonymous' }],
    ['a user without a user id', { 'x-hasura-role': 'user' }],
    ['a user id that is not a number', { 'x-hasura-role': 'user', 'x-hasura-user-id': '1 OR 1=1' }],
    ['the admin role', { 'x-hasura-role': 'admin', 'x-hasura-user-id': '1' }],
  ])('refuses a user-only action to %s', async (_label, session) => {
    const { handler, run } = setup('user');
    const answer = await invoke(handler, actionEvent('Echo', { name: 'ada' }, { session }));
    expect(answer.status).toBe(403);
    expect(answer.body.extensions?.code).toBe('role-not-allowed');
    expect(run).not.toHaveBeenCalled();
  });

  it('gives a user-only action the numeric user id and a deadline inside the budget', async () => {
    const { handler, run } = setup('user');
    const before = Date.now();
    await invoke(
      handler,
      actionEvent(
        'Echo',
        { name: 'ada' },
        { session: { 'x-hasura-role': 'user', 'x-hasura-user-id': '42' } },
      ),
    );
    const call = run.mock.calls[0]?.[0] as unknown as { userId: number; deadline: number };
    expect(call.userId).toBe(42);
    expect(call.deadline).toBeGreaterThanOrEqual(before + 5000);
    expect(call.deadline).toBeLessThanOrEqual(Date.now() + 5000);
  });

  it('passes an expected error through with its status, code and details', async () => {
    const { handler } = setup('public', async () => {
      throw new AppError('too-many-attempts', { details: { retryAfterSeconds: 30 } });
    });
    const answer = await invoke(handler, actionEvent('Echo', { name: 'ada' }));
    expect(answer.status).toBe(429);
    expect(answer.body.extensions).toEqual({ code: 'too-many-attempts', retryAfterSeconds: 30 });
  });

  it('answers an unexpected failure with a 4xx, a generic message and the request id, and logs it', async () => {
    const { handler, memory } = setup('public', async () => {
      throw new Error(`upstream said: connection to postgres://admin:${TEST_SECRET}@db failed`);
    });
    const answer = await invoke(handler, actionEvent('Echo', { name: 'ada' }));
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(answer.body.extensions).toEqual({ code: 'internal-error', requestId: 'aws-req-1' });
    expect(answer.body.message).toContain('aws-req-1');
    expect(JSON.stringify(answer.body)).not.toContain('upstream said');
    const line = memory.lines.find((l) => l.level === 'error');
    expect(line).toMatchObject({ action: 'Echo', outcome: 'internal-error', requestId: 'aws-req-1' });
    expect(memory.text()).toContain('upstream said');
    expect(memory.text()).not.toContain(TEST_SECRET);
  });

  it('logs the upstream cause of an expected failure for operators, not for the client', async () => {
    const { handler, memory } = setup('public', async () => {
      throw new AppError('infrastructure-unavailable', { cause: new Error('Qovery answered 503') });
    });
    const answer = await invoke(handler, actionEvent('Echo', { name: 'ada' }));
    expect(JSON.stringify(answer.body)).not.toContain('503');
    expect(memory.lines).toEqual([
      expect.objectContaining({
        level: 'warn',
        outcome: 'infrastructure-unavailable',
        cause: expect.objectContaining({ message: 'Qovery answered 503' }),
      }),
    ]);
  });

  it('writes one log line per invocation with action, outcome, duration and request id, and no input', async () => {
    const { handler, memory } = setup();
    await invoke(handler, actionEvent('Echo', { name: 'secret-looking-input' }));
    await invoke(handler, actionEvent('Echo', { name: 'ada' }, { secret: 'nope' }));
    expect(memory.lines).toHaveLength(2);
    expect(memory.lines[0]).toMatchObject({
      level: 'info',
      action: 'Echo',
      outcome: 'ok',
      status: 200,
      requestId: 'aws-req-1',
    });
    expect(memory.lines[0]?.durationMs).toEqual(expect.any(Number));
    expect(memory.lines[1]).toMatchObject({ outcome: 'unauthorized', status: 401 });
    expect(memory.text()).not.toContain('secret-looking-input');
  });

  it('logs a userId only for role user: an anonymous caller can make Hasura forward any id', async () => {
    const { handler, memory, run } = setup();
    // Hasura turns an unauthenticated client's own x-hasura-user-id header into a session variable.
    await invoke(
      handler,
      actionEvent(
        'Echo',
        { name: 'ada' },
        { session: { 'x-hasura-role': 'anonymous', 'x-hasura-user-id': '1' } },
      ),
    );
    await invoke(
      handler,
      actionEvent('Echo', { name: 'ada' }, { session: { 'x-hasura-role': 'user', 'x-hasura-user-id': '7' } }),
    );
    expect(memory.lines[0]).not.toHaveProperty('userId');
    expect(memory.lines[0]).toMatchObject({ role: 'anonymous' });
    expect(run.mock.calls[0]?.[0]).toMatchObject({ userId: undefined });
    expect(memory.lines[1]).toMatchObject({ role: 'user', userId: 7 });
  });
});
