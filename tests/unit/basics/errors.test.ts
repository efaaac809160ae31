import { AppError, catalogue, toHasuraError } from '../../../lib/basics/errors';

describe('error catalogue', () => {
  const codes = Object.keys(catalogue) as (keyof typeof catalogue)[];

  it.each(codes)('%s is kebab-case, a 4xx (Hasura masks 5xx) and has a user-safe message', (code) => {
    expect(code).toMatch(/^[a-z]+(-[a-z]+)*$/);
    const { status, message } = catalogue[code];
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
    expect(message).toMatch(/^[A-Z].*\.$/);
  });

  it.each(codes.filter((c) => c !== 'internal-error'))(
    '%s becomes a Hasura error body with a string code',
    (code) => {
      const { status, body } = toHasuraError(new AppError(code), 'req-1');
      expect(status).toBe(catalogue[code].status);
      expect(body).toEqual({ message: catalogue[code].message, extensions: { code } });
    },
  );

  it('keeps details next to the code, but never lets them replace it', () => {
    const error = new AppError('quota-exceeded', { details: { limit: 3, code: 'forged' } as never });
    expect(toHasuraError(error, 'r').body.extensions).toEqual({ limit: 3, code: 'quota-exceeded' });
  });

  it('answers an AppError internal-error like any unexpected error: generic message and request id', () => {
    const { status, body } = toHasuraError(
      new AppError('internal-error', { cause: new Error('Qovery said 401') }),
      'req-2',
    );
    expect(status).toBe(400);
    expect(body).toEqual({
      message: expect.stringContaining('req-2'),
      extensions: { code: 'internal-error', requestId: 'req-2' },
    });
  });

  it('turns an unknown error into internal-error with the request id, never its text or stack', () => {
    const { status, body } = toHasuraError(new TypeError('secret upstream text'), 'req-9');
    expect(status).toBe(400);
    expect(body).toEqual({
      message: expect.stringContaining('req-9'),
      extensions: { code: 'internal-error', requestId: 'req-9' },
    });
    expect(JSON.stringify(body)).not.toMatch(/secret upstream text|TypeError|at /);
  });

  it('is an Error named AppError that keeps its cause (for the log), and takes a message of its own', () => {
    const cause = new Error('Qovery said 503');
    const error = new AppError('infrastructure-unavailable', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('AppError');
    expect(error.cause).toBe(cause);
    expect(String(error)).toBe(
      'AppError: The infrastructure provider is unavailable right now. Try again in a moment.',
    );
    expect(new AppError('project-busy', { message: 'Still being created.' }).message).toBe(
      'Still being created.',
    );
  });
});
