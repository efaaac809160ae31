import { authorize } from '../../../lib/action/authorizer';
import { secretCheck } from '../../../lib/action/secret';

const SECRET = 'test-actions-secret-0123456789';

/** API Gateway's authorizer event (payload 2.0) when the identity source holds `value`. */
const event = (value: string) => ({
  version: '2.0',
  type: 'REQUEST',
  routeArn: 'arn:aws:execute-api:eu-west-3:000000000000:api/$default/POST/signup',
  identitySource: [value],
  routeKey: 'POST /signup',
  headers: { 'x-actions-secret': value },
});

describe('authorize (the HTTP API authorizer, simple responses)', () => {
  const isSecret = secretCheck(SECRET);

  it('lets the secret through', () => {
    expect(authorize(isSecret, event(SECRET))).toEqual({ isAuthorized: true });
  });

  it('refuses a wrong secret, of the same length or not', () => {
    expect(authorize(isSecret, event(`${SECRET.slice(0, -1)}x`))).toEqual({ isAuthorized: false });
    expect(authorize(isSecret, event('short'))).toEqual({ isAuthorized: false });
    expect(authorize(isSecret, event(`${SECRET}-and-more`))).toEqual({ isAuthorized: false });
  });

  it('refuses an event without an identity source (API Gateway sends none without the header)', () => {
    expect(authorize(isSecret, {})).toEqual({ isAuthorized: false });
    expect(authorize(isSecret, { identitySource: null })).toEqual({ isAuthorized: false });
    expect(authorize(isSecret, { identitySource: [] })).toEqual({ isAuthorized: false });
  });

  it('reads the identity source, not a header the caller may add besides', () => {
    const withHeader = { ...event('wrong'), headers: { 'x-actions-secret': SECRET } };
    expect(authorize(isSecret, withHeader)).toEqual({ isAuthorized: false });
  });
});
