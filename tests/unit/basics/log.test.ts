import { createLogger, traceId } from '../../../lib/basics/log';

function capture(level: 'debug' | 'info' | 'warn' | 'error' | 'silent' = 'debug', secrets: string[] = []) {
  const lines: string[] = [];
  return { log: createLogger({ level, secrets, write: (l) => lines.push(l) }), lines };
}

describe('logger', () => {
  it('writes one JSON object per line with level, time and message', () => {
    const { log, lines } = capture();
    log.info('hello', { action: 'Signup' });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toEqual({
      level: 'info',
      time: expect.any(String),
      message: 'hello',
      action: 'Signup',
    });
  });

  it('drops fields whose name says they are sensitive', () => {
    const { log, lines } = capture();
    log.info('x', {
      password: 'hunter22',
      accessToken: 'tok',
      headers: { authorization: 'Bearer abc' },
      password_hash: '$2b$',
    });
    const line = lines[0] ?? '';
    for (const value of ['hunter22', 'tok"', 'Bearer abc', '$2b$']) expect(line).not.toContain(value);
    expect(JSON.parse(line)).toMatchObject({
      password: '[redacted]',
      headers: { authorization: '[redacted]' },
    });
  });

  it('masks configured secret values wherever they appear, errors included', () => {
    const { log, lines } = capture('debug', ['s3cr3t-value']);
    log.error('boom', { error: new Error('could not connect with s3cr3t-value') });
    expect(lines[0]).not.toContain('s3cr3t-value');
    expect(JSON.parse(lines[0] ?? '').error).toMatchObject({
      name: 'Error',
      message: 'could not connect with [redacted]',
    });
  });

  it('keeps lines below the configured level out', () => {
    const { log, lines } = capture('warn');
    log.debug('a');
    log.info('b');
    log.warn('c');
    log.error('d');
    expect(lines.map((l) => JSON.parse(l).message)).toEqual(['c', 'd']);
    const silent = capture('silent');
    silent.log.error('e');
    expect(silent.lines).toEqual([]);
  });

  it('adds a child’s fields to every line, keeping level and masks', () => {
    const { log, lines } = capture('info', ['s3cr3t-value']);
    const child = log.child({ requestId: 'r-1', coldStart: true });
    child.debug('hidden');
    child.warn('upstream said s3cr3t-value', { traceId: '1-abc' });
    log.info('parent');
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({
        message: 'upstream said [redacted]',
        requestId: 'r-1',
        coldStart: true,
        traceId: '1-abc',
      }),
      expect.not.objectContaining({ requestId: 'r-1' }),
    ]);
  });

  it('reads the X-Ray trace id Lambda sets for the invocation', () => {
    expect(
      traceId({
        _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
      }),
    ).toBe('1-5759e988-bd862e3fe1be46a994272793');
    expect(traceId({})).toBeUndefined();
  });
});
