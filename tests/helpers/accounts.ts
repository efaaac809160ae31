import type { Accounts, CallOptions, Credentials, SignupResult } from '../../lib/accounts';
import type { Counted } from '../../lib/action/rate-limit';
import type { Caller } from '../../lib/instances/projects';

/** A Accounts service whose every method answers success; tests override what they need. */
export function fakeAccounts(): jest.Mocked<Accounts> {
  const session = { accessToken: 'access', refreshToken: 'refresh' };
  const ok = { ok: true as const };
  return {
    signup: jest.fn(
      async (_credentials: Credentials, _options?: CallOptions): Promise<SignupResult> => ({
        ...session,
        emailVerificationRequired: false,
      }),
    ),
    signin: jest.fn(async (_credentials: Credentials, _options?: CallOptions) => session),
    refresh: jest.fn(async (_token: string, _options?: CallOptions) => session),
    signout: jest.fn(async (_token: string, _options?: CallOptions) => ok),
    verifyEmail: jest.fn(async (_token: string, _password: string, _options?: CallOptions) => session),
    resendVerificationEmail: jest.fn(async (_email: string, _options?: CallOptions) => ok),
    requestPasswordReset: jest.fn(async (_email: string, _options?: CallOptions) => ok),
    resetPassword: jest.fn(async (_token: string, _password: string, _options?: CallOptions) => ok),
    changePassword: jest.fn(
      async (
        _userId: number,
        _passwords: { oldPassword: string; newPassword: string },
        _options?: CallOptions,
      ) => session,
    ),
    deleteAccount: jest.fn(async (_password: string, _caller: Caller, _attempt?: Counted) => ok),
  };
}
