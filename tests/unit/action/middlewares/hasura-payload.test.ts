import * as v from 'valibot';
import { hasuraPayload, MAX_BODY_BYTES } from '../../../../lib/action/middlewares/hasura-payload';
import type { LimitsConfig } from '../../../../lib/action/settings';
import { actionEvent, actionRequest, lambdaContext, phase } from '../../../helpers/lambda';

const Echo = {
  name: 'Echo',
  access: 'public' as const,
  input: v.object({ name: v.pipe(v.string(), v.trim(), v.nonEmpty('name is required')) }),
};
const USER = { 'x-hasura-role': 'user', 'x-hasura-user-id': '42' };
const limits = { settings: { clientAddressDepth: 2 } as LimitsConfig };

function parse(
  event = actionEvent('Echo', { name: ' ada ' }),
  options: Partial<Parameters<typeof hasuraPayload>[0]> = {},
) {
  const request = actionRequest(event);
  phase(hasuraPayload({ action: Echo, budgetMs: 5000, ...options }), 'before')(request);
  return request;
}

const refusal = (code: string) => expect.objectContaining({ code });

describe('hasuraPayload', () => {
  it('attaches the call: validated input, role, request id, logger and a deadline inside the budget', () => {
    const started = Date.now();
    const request = parse();
    const call = request.event.call;
    expect(call).toMatchObject({
      input: { name: 'ada' },
      role: 'anonymous',
      userId: undefined,
      address: undefined,
      counted: undefined,
      requestId: 'aws-req-1',
      log: request.internal.log,
    });
    expect(call?.deadline).toBeGreaterThanOrEqual(started + 5000);
    expect(call?.deadline).toBeLessThanOrEqual(Date.now() + 5000);
  });

  it('gives a user session its numeric id, and keeps role and id for the log line', () => {
    const request = parse(actionEvent('Echo', { name: 'ada' }, { session: USER }), {
      action: { ...Echo, access: 'user' },
    });
    expect(request.event.call).toMatchObject({ role: 'user', userId: 42 });
    expect(request.internal).toMatchObject({ role: 'user', userId: 42 });
  });

  it('gives no user id to a role other than user: Hasura forwards any id an anonymous client sends', () => {
    const event = actionEvent(
      'Echo',
      { name: 'ada' },
      { session: { ...USER, 'x-hasura-role': 'anonymous' } },
    );
    expect(parse(event).event.call?.userId).toBeUndefined();
  });

  it.each([
    ['an anonymous caller', { 'x-hasura-role': 'anonymous' }],
    ['a user without a user id', { 'x-hasura-role': 'user' }],
    ['a user id that is not a number', { 'x-hasura-role': 'user', 'x-hasura-user-id': '1 OR 1=1' }],
    ['a user id beyond an int', { 'x-hasura-role': 'user', 'x-hasura-user-id': '2147483648' }],
    ['the admin role', { 'x-hasura-role': 'admin', 'x-hasura-user-id': '1' }],
  ])('refuses a user-only action to %s, and still keeps the role for the log line', (_label, session) => {
    const request = actionRequest(actionEvent('Echo', { name: 'ada' }, { session }));
    const userOnly = phase(hasuraPayload({ action: { ...Echo, access: 'user' }, budgetMs: 5000 }), 'before');
    expect(() => userOnly(request)).toThrow(refusal('role-not-allowed'));
    expect(request.internal.role).toBe(session['x-hasura-role']);
    expect(request.event.call).toBeUndefined();
  });

  it.each([
    ['a body that is not JSON', 'not json'],
    ['no body', ''],
    ['a body without session variables', JSON.stringify({ action: { name: 'Echo' }, input: { input: {} } })],
    ['a body without the action', JSON.stringify({ input: { input: {} }, session_variables: {} })],
    [
      'a body over MAX_BODY_BYTES',
      JSON.stringify({
        action: { name: 'Echo' },
        input: { input: { name: 'x'.repeat(MAX_BODY_BYTES) } },
        session_variables: {},
      }),
    ],
  ])('refuses %s as invalid-payload', (_label, body) => {
    expect(() => parse(actionEvent('Echo', {}, { body }))).toThrow(refusal('invalid-payload'));
  });

  it('reads a base64-encoded body', () => {
    const event = actionEvent('Echo', { name: 'ada' });
    const encoded = {
      ...event,
      body: Buffer.from(event.body ?? '').toString('base64'),
      isBase64Encoded: true,
    };
    expect(parse(encoded).event.call?.input).toEqual({ name: 'ada' });
  });

  it('refuses a call for another action as unknown-action', () => {
    expect(() => parse(actionEvent('Other', { name: 'ada' }))).toThrow(refusal('unknown-action'));
  });

  it('refuses an invalid input with every problem, and never echoes the values', () => {
    let error: unknown;
    try {
      parse(actionEvent('Echo', { name: '   ' }));
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({
      code: 'invalid-input',
      message: 'The input is not valid: name: name is required.',
      details: { problems: ['name: name is required'] },
    });
  });

  it('reads the client address from X-Forwarded-For only when calls are rate-limited', () => {
    const event = actionEvent(
      'Echo',
      { name: 'ada' },
      { headers: { 'x-forwarded-for': '6.6.6.6, 1.2.3.4, 10.0.0.1' } },
    );
    expect(parse(event, { limits }).event.call?.address).toBe('1.2.3.4');
    expect(parse(event).event.call?.address).toBeUndefined();
  });

  it('ends the deadline before Lambda would end the invocation', () => {
    const request = actionRequest(actionEvent('Echo', { name: 'ada' }));
    request.context = lambdaContext({ getRemainingTimeInMillis: () => 2000 });
    phase(hasuraPayload({ action: Echo, budgetMs: 5000 }), 'before')(request);
    expect(request.event.call?.deadline).toBeLessThanOrEqual(Date.now() + 1500);
  });
});
