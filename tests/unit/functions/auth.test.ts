import { RefreshToken } from '../../../functions/refresh-token';
import { Signin } from '../../../functions/signin';
import { Signout } from '../../../functions/signout';
import { Signup } from '../../../functions/signup';
import { actionHandler } from '../../../lib/action/handler';
import { AppError } from '../../../lib/basics/errors';
import { fakeAccounts } from '../../helpers/accounts';
import { actionEvent, invoke, memoryLogger, TEST_SECRET } from '../../helpers/lambda';

function handlers() {
  const accounts = fakeAccounts();
  const memory = memoryLogger([TEST_SECRET]);
  const runtime = () => ({
    actionsSecret: TEST_SECRET,
    log: memory.log,
    budgetMs: 25_000,
    deps: { accounts },
  });
  return {
    accounts,
    memory,
    signup: actionHandler(Signup, runtime),
    signin: actionHandler(Signin, runtime),
    refresh: actionHandler(RefreshToken, runtime),
    signout: actionHandler(Signout, runtime),
  };
}

describe('Signup handler', () => {
  it('trims and lower-cases the email and answers the tokens', async () => {
    const { signup, accounts } = handlers();
    const answer = await invoke(
      signup,
      actionEvent('Signup', { email: '  PJeziorowski@Qovery.COM ', password: 'mysecret' }),
    );
    expect(answer).toEqual({
      status: 200,
      body: { accessToken: 'access', refreshToken: 'refresh', emailVerificationRequired: false },
    });
    expect(accounts.signup).toHaveBeenCalledWith(
      { email: 'pjeziorowski@qovery.com', password: 'mysecret' },
      expect.anything(),
    );
  });

  it.each([
    [
      'a malformed email',
      { email: 'not-an-email', password: 'mysecret' },
      'email: email must be a valid email address',
    ],
    ['an empty email', { email: '  ', password: 'mysecret' }, 'email: email is required'],
    [
      'a 7-character password',
      { email: 'a@b.co', password: '1234567' },
      'password: password must be at least 8 characters',
    ],
    [
      'a 73-byte password',
      { email: 'a@b.co', password: 'x'.repeat(73) },
      'password: password must be at most 72 bytes',
    ],
    [
      'a password of 25 three-byte characters (75 bytes)',
      { email: 'a@b.co', password: '€'.repeat(25) },
      'password: password must be at most 72 bytes',
    ],
    ['a number as password', { email: 'a@b.co', password: 12345678 }, 'password: password must be a string'],
  ])('refuses %s with invalid-input and creates nothing', async (_label, input, problem) => {
    const { signup, accounts } = handlers();
    const answer = await invoke(signup, actionEvent('Signup', input));
    expect(answer.status).toBe(400);
    expect(answer.body.extensions).toEqual({ code: 'invalid-input', problems: [problem] });
    expect(accounts.signup).not.toHaveBeenCalled();
  });

  it('accepts a password of exactly 72 bytes', async () => {
    const { signup, accounts } = handlers();
    const answer = await invoke(
      signup,
      actionEvent('Signup', { email: 'a@b.co', password: `${'€'.repeat(24)}` }),
    );
    expect(answer.status).toBe(200);
    expect(accounts.signup).toHaveBeenCalledTimes(1);
  });

  it('refuses a call without the shared secret and never reaches the accounts service', async () => {
    const { signup, accounts } = handlers();
    const answer = await invoke(
      signup,
      actionEvent('Signup', { email: 'a@b.co', password: 'mysecret' }, { secret: null }),
    );
    expect(answer.status).toBe(401);
    expect(accounts.signup).not.toHaveBeenCalled();
  });

  it('says when the email is taken, with its own code', async () => {
    const { signup, accounts } = handlers();
    accounts.signup.mockRejectedValueOnce(new AppError('email-already-in-use'));
    const answer = await invoke(signup, actionEvent('Signup', { email: 'a@b.co', password: 'mysecret' }));
    expect(answer.status).toBe(409);
    expect(answer.body.extensions?.code).toBe('email-already-in-use');
  });

  it('never logs the password or the tokens', async () => {
    const { signup, memory } = handlers();
    await invoke(signup, actionEvent('Signup', { email: 'a@b.co', password: 'hunter2hunter2' }));
    expect(memory.text()).not.toMatch(/hunter2hunter2|"access"|"refresh"/);
  });
});

describe('Signin handler', () => {
  it('normalises the email and lets any non-empty password through to the check', async () => {
    const { signin, accounts } = handlers();
    const answer = await invoke(signin, actionEvent('Signin', { email: 'A@B.CO', password: 'short' }));
    expect(answer.status).toBe(200);
    expect(accounts.signin).toHaveBeenCalledWith({ email: 'a@b.co', password: 'short' }, expect.anything());
  });

  it('answers invalid-credentials and too-many-attempts from the service', async () => {
    const { signin, accounts } = handlers();
    accounts.signin.mockRejectedValueOnce(new AppError('invalid-credentials'));
    expect((await invoke(signin, actionEvent('Signin', { email: 'a@b.co', password: 'x' }))).body).toEqual({
      message: 'Wrong email or password.',
      extensions: { code: 'invalid-credentials' },
    });
    accounts.signin.mockRejectedValueOnce(
      new AppError('too-many-attempts', { details: { retryAfterSeconds: 12 } }),
    );
    const limited = await invoke(signin, actionEvent('Signin', { email: 'a@b.co', password: 'x' }));
    expect(limited.status).toBe(429);
    expect(limited.body.extensions).toEqual({ code: 'too-many-attempts', retryAfterSeconds: 12 });
  });
});

describe('RefreshToken and Signout handlers', () => {
  it('pass the refresh token to the service', async () => {
    const { refresh, signout, accounts } = handlers();
    expect((await invoke(refresh, actionEvent('RefreshToken', { refreshToken: 'abc' }))).status).toBe(200);
    expect(accounts.refresh).toHaveBeenCalledWith('abc', expect.anything());
    expect((await invoke(signout, actionEvent('Signout', { refreshToken: 'abc' }))).body).toEqual({
      ok: true,
    });
    expect(accounts.signout).toHaveBeenCalledWith('abc', expect.anything());
  });

  it('refuse an empty refresh token', async () => {
    const { refresh, accounts } = handlers();
    const answer = await invoke(refresh, actionEvent('RefreshToken', { refreshToken: '' }));
    expect(answer.body.extensions?.code).toBe('invalid-input');
    expect(accounts.refresh).not.toHaveBeenCalled();
  });
});
