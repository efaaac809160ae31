import { invocationLog } from '../../../../lib/action/middlewares/invocation-log';
import { AppError } from '../../../../lib/basics/errors';
import type { ActionMetrics } from '../../../../lib/basics/metrics';
import { actionEvent, actionRequest, lambdaContext, memoryLogger, phase } from '../../../helpers/lambda';

function setup() {
  const memory = memoryLogger();
  const metrics: jest.Mocked<ActionMetrics> = { invocation: jest.fn(), count: jest.fn() };
  const middleware = invocationLog({ action: { name: 'Echo' }, log: memory.log, metrics });
  /** One invocation through the middleware: `before`, then `after` or `onError` as the error says. */
  const invoke = (error?: Error, { statusCode = error ? 400 : 200, role = '', userId = 0 } = {}) => {
    const request = actionRequest(actionEvent('Echo', { name: 'ada' }));
    phase(middleware, 'before')(request);
    // What the payload middleware reads from the session.
    if (role) Object.assign(request.internal, { role, userId });
    request.response = { statusCode };
    request.error = error;
    phase(middleware, error ? 'onError' : 'after')(request);
    return request;
  };
  return { memory, metrics, invoke };
}

describe('invocationLog', () => {
  it('gives the invocation Lambda’s request id and a logger that carries it', () => {
    const { memory, invoke } = setup();
    const request = invoke();
    expect(request.internal.requestId).toBe('aws-req-1');
    request.internal.log.info('from the action');
    expect(memory.lines.at(-1)).toMatchObject({ message: 'from the action', requestId: 'aws-req-1' });
  });

  it('falls back on API Gateway’s request id', () => {
    const middleware = invocationLog({ action: { name: 'Echo' }, log: memoryLogger().log });
    const request = actionRequest();
    request.context = lambdaContext({ awsRequestId: '' });
    phase(middleware, 'before')(request);
    expect(request.internal.requestId).toBe('req-1');
  });

  it('makes a request id up when neither Lambda nor API Gateway gives one', () => {
    const middleware = invocationLog({ action: { name: 'Echo' }, log: memoryLogger().log });
    const request = actionRequest({ ...actionEvent('Echo', {}), requestContext: undefined } as never);
    request.context = lambdaContext({ awsRequestId: '' });
    phase(middleware, 'before')(request);
    expect(request.internal.requestId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('marks the first invocation only as a cold start', () => {
    const { memory, invoke } = setup();
    invoke();
    invoke();
    expect(memory.lines.map((line) => line.coldStart)).toEqual([true, false]);
  });

  it('writes one info line and one metric per call that succeeds, without the input', () => {
    const { memory, metrics, invoke } = setup();
    invoke(undefined, { role: 'anonymous' });
    expect(memory.lines).toEqual([
      expect.objectContaining({
        level: 'info',
        message: 'action',
        action: 'Echo',
        outcome: 'ok',
        status: 200,
        role: 'anonymous',
        durationMs: expect.any(Number),
      }),
    ]);
    expect(memory.lines[0]).not.toHaveProperty('userId');
    expect(memory.text()).not.toContain('ada');
    expect(metrics.invocation).toHaveBeenCalledWith('Echo', 'ok', undefined);
  });

  it('logs a userId only for role user', () => {
    const { memory, invoke } = setup();
    invoke(undefined, { role: 'anonymous', userId: 1 });
    invoke(undefined, { role: 'user', userId: 7 });
    expect(memory.lines[0]).not.toHaveProperty('userId');
    expect(memory.lines[1]).toMatchObject({ role: 'user', userId: 7 });
  });

  it('logs an expected refusal by its code, at info', () => {
    const { memory, metrics, invoke } = setup();
    const error = new AppError('unauthorized');
    invoke(error, { statusCode: 401 });
    expect(memory.lines).toEqual([
      expect.objectContaining({ level: 'info', outcome: 'unauthorized', status: 401 }),
    ]);
    expect(metrics.invocation).toHaveBeenCalledWith('Echo', 'unauthorized', error);
  });

  it('keeps the upstream cause of an expected failure for operators, at warn', () => {
    const { memory, invoke } = setup();
    invoke(new AppError('infrastructure-unavailable', { cause: new Error('Qovery answered 503') }));
    expect(memory.lines).toEqual([
      expect.objectContaining({
        level: 'warn',
        outcome: 'infrastructure-unavailable',
        cause: expect.objectContaining({ message: 'Qovery answered 503' }),
      }),
    ]);
  });

  it('logs an unexpected failure as internal-error, at error, with the error', () => {
    const { memory, metrics, invoke } = setup();
    const error = new Error('boom');
    invoke(error);
    expect(memory.lines).toEqual([
      expect.objectContaining({
        level: 'error',
        message: 'action failed unexpectedly',
        outcome: 'internal-error',
        error: expect.objectContaining({ message: 'boom' }),
      }),
    ]);
    expect(metrics.invocation).toHaveBeenCalledWith('Echo', 'internal-error', error);
  });
});
