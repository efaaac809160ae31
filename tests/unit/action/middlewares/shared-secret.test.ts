import { SECRET_HEADER, sharedSecret } from '../../../../lib/action/middlewares/shared-secret';
import { actionEvent, actionRequest, phase, TEST_SECRET } from '../../../helpers/lambda';

const checkSecret = phase(sharedSecret({ actionsSecret: TEST_SECRET }), 'before');

describe('sharedSecret', () => {
  it('lets a call with the secret through', () => {
    expect(() => checkSecret(actionRequest(actionEvent('Echo', {}, { secret: TEST_SECRET })))).not.toThrow();
  });

  it.each([
    ['without the header', null],
    ['with a wrong secret', 'wrong-secret'],
    ['with a secret that only shares a prefix', `${TEST_SECRET}x`],
    ['with an empty secret', ''],
  ])('refuses a call %s as unauthorized', (_label, secret) => {
    expect(() => checkSecret(actionRequest(actionEvent('Echo', {}, { secret })))).toThrow(
      expect.objectContaining({ code: 'unauthorized' }),
    );
  });

  it('reads the header whatever its case', () => {
    const event = actionEvent('Echo', {}, { secret: null, headers: { 'X-Actions-Secret': TEST_SECRET } });
    expect(() => checkSecret(actionRequest(event))).not.toThrow();
  });

  it('reads nothing but the header: the body is left to the payload middleware', () => {
    const request = actionRequest(actionEvent('Echo', {}, { body: 'not json' }));
    expect(() => checkSecret(request)).not.toThrow();
    expect(request.event.call).toBeUndefined();
  });

  it('is the header Hasura sends', () => {
    expect(SECRET_HEADER).toBe('x-actions-secret');
  });
});
