import { hasuraErrors } from '../../../../lib/action/middlewares/hasura-errors';
import { AppError } from '../../../../lib/basics/errors';
import { actionRequest, phase } from '../../../helpers/lambda';

const onError = phase(hasuraErrors(), 'onError');

function answerTo(error: Error) {
  const request = actionRequest(undefined, { requestId: 'req-42' });
  request.error = error;
  onError(request);
  return { ...request.response, body: JSON.parse(request.response?.body ?? 'null') };
}

describe('hasuraErrors', () => {
  it('answers an expected error with its status, code and details, as JSON', () => {
    const answer = answerTo(new AppError('too-many-attempts', { details: { retryAfterSeconds: 30 } }));
    expect(answer.statusCode).toBe(429);
    expect(answer.headers).toEqual({ 'content-type': 'application/json' });
    expect(answer.body).toEqual({
      message: expect.any(String),
      extensions: { code: 'too-many-attempts', retryAfterSeconds: 30 },
    });
  });

  it('answers an unexpected error as internal-error with the request id, never its message', () => {
    const answer = answerTo(new Error('connection to postgres://admin:hunter2@db failed'));
    expect(answer.statusCode).toBeGreaterThanOrEqual(400);
    expect(answer.statusCode).toBeLessThan(500);
    expect(answer.body.extensions).toEqual({ code: 'internal-error', requestId: 'req-42' });
    expect(answer.body.message).toContain('req-42');
    expect(JSON.stringify(answer.body)).not.toContain('hunter2');
  });
});
