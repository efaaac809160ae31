import { createAccounts, type Session, type SessionsConfig } from '../../../lib/accounts';
import { createPasswords } from '../../../lib/accounts/passwords';
import { createAccessTokens } from '../../../lib/accounts/tokens';
import { createRateLimiter } from '../../../lib/action/rate-limit';
import { APPWRITE_VERSION } from '../../../lib/instances/blueprint/versions';
import { createProjects, type Projects, type ProjectsDeps } from '../../../lib/instances/projects';
import { startTestHasura, type TestHasura } from '../../helpers/hasura';
import { memoryLogger } from '../../helpers/lambda';
import { memoryMail, tokenIn } from '../../helpers/mail';
import { outcome as code } from '../../helpers/outcome';

/**
 * The account takeovers a review tried, each reproduced and shown failing: pre-hijacked accounts
 * (Sudhodanan and Paverd, USENIX Security 2022) in every order of Signups and clicks, DeleteAccount
 * racing CreateProject, and strangers locking the owner out of Signin.
 */

const key = new TextEncoder().encode('test-jwt-key-that-is-at-least-32-characters');
const jwt = { key, claimsNamespace: 'https://hasura.io/jwt/claims', claimsFormat: 'json' as const };

let hasura: TestHasura;
let mail: ReturnType<typeof memoryMail>;

beforeAll(async () => {
  hasura = await startTestHasura();
});
afterAll(() => hasura.close());
beforeEach(async () => {
  mail = memoryMail();
  await hasura.emptyTables();
});

/** Passwords checked (bcrypt comparisons), across every service instance of a test. */
const checked = { count: 0 };

function accounts(projects?: Pick<Projects, 'remove'>, limits: Partial<SessionsConfig> = {}) {
  const passwords = createPasswords(10);
  const verify = passwords.verify.bind(passwords);
  passwords.verify = (password, hash) => {
    checked.count++;
    return verify(password, hash);
  };
  return createAccounts({
    hasura: hasura.client,
    passwords,
    accessTokens: createAccessTokens(jwt, 900),
    limiter: createRateLimiter({ hasura: hasura.client }),
    config: {
      refreshTokenTtlSeconds: 3600,
      sessionMaxSeconds: 7200,
      maxSessionsPerUser: 10,
      signinMaxFailures: 10,
      signinWindowSeconds: 300,
      signinMaxFailuresPerEmail: 20,
      signinEmailWindowSeconds: 3600,
      requireEmailVerification: true,
      ...limits,
    },
    accounts: {
      requireEmailVerification: true,
      verificationTtlSeconds: 86400,
      passwordResetTtlSeconds: 3600,
    },
    mailer: mail.mailer,
    ...(projects ? { projects } : {}),
  });
}

const VICTIM = { email: 'victim@example.com', password: 'victim password' };
const ATTACKER = { email: 'victim@example.com', password: 'attacker password' };
const caller = (userId: number) => ({ userId, deadline: Date.now() + 20_000, log: memoryLogger().log });

describe('pre-hijacked accounts', () => {
  // [who signs up first, which email the victim clicks]
  const orders = [
    ['the victim', 'the older email (the victim’s)'],
    ['the victim', 'the newer email (the attacker’s)'],
    ['the attacker', 'the older email (the attacker’s)'],
    ['the attacker', 'the newer email (the victim’s)'],
  ] as const;

  it.each(orders)(
    '%s signs up first, the victim clicks %s: only the victim’s password works',
    async (first, clicked) => {
      const signups = first === 'the victim' ? [VICTIM, ATTACKER] : [ATTACKER, VICTIM];
      for (const credentials of signups) await accounts().signup(credentials);
      // Before verification nobody gets a session, with the answer of a wrong password.
      for (const credentials of signups)
        expect(await code(accounts().signin(credentials))).toBe('invalid-credentials');
      const [older, newer] = mail.sent.map((m) => tokenIn(m));
      const [link, other] = clicked.startsWith('the older') ? [older, newer] : [newer, older];
      // The victim holds the mailbox: she opens the link and types her password there.
      await accounts().verifyEmail(link as string, VICTIM.password);
      expect(await code(accounts().signin(ATTACKER))).toBe('invalid-credentials');
      expect(await code(accounts().signin(VICTIM))).toBe('ok');
      // Every other link was spent with it: none can set another password later.
      expect(await code(accounts().verifyEmail(other as string, ATTACKER.password))).toBe('invalid-ticket');
      // A Signup after verification gets an email without a link, and changes nothing.
      await accounts().signup(ATTACKER);
      expect(mail.sent.at(-1)?.text).not.toContain('token=');
      expect(await code(accounts().signin(ATTACKER))).toBe('invalid-credentials');
    },
  );

  it('the attacker alone signs up and the owner clicks that email: the owner’s password counts, not the attacker’s', async () => {
    await accounts().signup(ATTACKER);
    await accounts().verifyEmail(tokenIn(mail.sent[0]), VICTIM.password);
    expect(await code(accounts().signin(ATTACKER))).toBe('invalid-credentials');
    expect(await code(accounts().signin(VICTIM))).toBe('ok');
  });

  it('the attacker cannot keep a session from before verification (private deployments sign unverified accounts in)', async () => {
    // Verification off: Signup answers a session; the owner's link still ends it and sets her password.
    const open = createAccounts({
      hasura: hasura.client,
      passwords: createPasswords(10),
      accessTokens: createAccessTokens(jwt, 900),
      limiter: createRateLimiter({ hasura: hasura.client }),
      config: {
        refreshTokenTtlSeconds: 3600,
        sessionMaxSeconds: 7200,
        maxSessionsPerUser: 10,
        signinMaxFailures: 3,
        signinWindowSeconds: 300,
        signinMaxFailuresPerEmail: 6,
        signinEmailWindowSeconds: 3600,
        requireEmailVerification: false,
      },
      accounts: {
        requireEmailVerification: false,
        verificationTtlSeconds: 86400,
        passwordResetTtlSeconds: 3600,
      },
      mailer: mail.mailer,
    });
    const squatter = (await open.signup(ATTACKER)) as Session;
    await open.verifyEmail(tokenIn(mail.sent[0]), VICTIM.password);
    expect(await code(open.refresh(squatter.refreshToken))).toBe('invalid-refresh-token');
    expect(await code(open.signin(ATTACKER))).toBe('invalid-credentials');
    expect(await code(open.signin(VICTIM))).toBe('ok');
  });

  it('spends every outstanding ticket on verification, reset and password change: no old link acts as a login link', async () => {
    await accounts().signup(VICTIM);
    await accounts().resendVerificationEmail(VICTIM.email);
    await accounts().requestPasswordReset(VICTIM.email);
    await accounts().verifyEmail(tokenIn(mail.sent[0]), VICTIM.password);
    expect(await code(accounts().verifyEmail(tokenIn(mail.sent[1]), 'x password'))).toBe('invalid-ticket');
    expect(await code(accounts().resetPassword(tokenIn(mail.sent[2]), 'x password'))).toBe('invalid-ticket');
    // ResetPassword and ChangePassword too.
    await accounts().requestPasswordReset(VICTIM.email);
    await accounts().requestPasswordReset(VICTIM.email);
    await accounts().resetPassword(tokenIn(mail.sent[3]), 'second password');
    expect(await code(accounts().resetPassword(tokenIn(mail.sent[4]), 'x password'))).toBe('invalid-ticket');
    await accounts().requestPasswordReset(VICTIM.email);
    await accounts().changePassword(1, { oldPassword: 'second password', newPassword: 'third password' });
    expect(await code(accounts().resetPassword(tokenIn(mail.sent[5]), 'x password'))).toBe('invalid-ticket');
    expect(await hasura.rows('SELECT count(*)::int AS n FROM account_ticket WHERE used_at IS NULL')).toEqual([
      { n: 0 },
    ]);
  });
});

describe('DeleteAccount racing CreateProject', () => {
  /** CreateProject's path up to its slot claim; the instance and bucket are never reached here. */
  function projects(): Projects {
    const never = () => {
      throw new Error('not reached');
    };
    const deps = {
      hasura: hasura.client,
      instances: { provision: never, destroy: never, findByName: never },
      storage: { create: never, remove: never, stem: 'appwrite-cloud-0a1b2c3d' },
      maxProjectsPerUser: 3,
      requireEmailVerification: true,
    } as unknown as ProjectsDeps;
    return createProjects(deps);
  }

  async function verifiedVictim(): Promise<number> {
    await accounts().signup(VICTIM);
    await accounts().verifyEmail(tokenIn(mail.sent[0]), VICTIM.password);
    return 1;
  }

  it('refuses a CreateProject that comes after the mark, even while DeleteAccount is still removing projects', async () => {
    const userId = await verifiedVictim();
    await hasura.db.query(
      `INSERT INTO project (owner_id, slot, name, status, appwrite_version) VALUES ($1, 1, 'old', 'RUNNING', $2)`,
      [userId, APPWRITE_VERSION],
    );
    const answers: unknown[] = [];
    // DeleteProject's path for the existing project is where CreateProject slips in.
    const slowRemove: Pick<Projects, 'remove'> = {
      async remove(id) {
        answers.push(await code(projects().create('sneaky', caller(userId))));
        await hasura.db.query('DELETE FROM project WHERE id = $1', [id]);
        return { ok: true };
      },
    };
    await accounts(slowRemove).deleteAccount(VICTIM.password, caller(userId));
    expect(answers).toEqual(['account-not-found']);
    expect(await hasura.rows('SELECT id FROM project')).toEqual([]);
    expect(await hasura.rows('SELECT id FROM "user"')).toEqual([]);
  });

  it('keeps the mark when DeleteAccount fails, so that the account gains no project until it is deleted', async () => {
    const userId = await verifiedVictim();
    await hasura.db.query(
      `INSERT INTO project (owner_id, slot, name, status, appwrite_version) VALUES ($1, 1, 'old', 'CREATING', $2)`,
      [userId, APPWRITE_VERSION],
    );
    const busy: Pick<Projects, 'remove'> = {
      remove: async () => {
        throw new Error('project busy');
      },
    };
    expect(await code(accounts(busy).deleteAccount(VICTIM.password, caller(userId)))).not.toBe('ok');
    expect(await code(projects().create('later', caller(userId)))).toBe('account-not-found');
    // In the database itself, whatever path the insert takes.
    await expect(
      hasura.db.query(
        `INSERT INTO project (owner_id, slot, name, status, appwrite_version) VALUES ($1, 2, 'x', 'CREATING', $2)`,
        [userId, APPWRITE_VERSION],
      ),
    ).rejects.toThrow(/account_being_deleted/);
    expect(await code(accounts().signin(VICTIM))).toBe('ok');
  });

  it('does not mark the account on a wrong password', async () => {
    const userId = await verifiedVictim();
    expect(await code(accounts().deleteAccount('wrong password', caller(userId)))).toBe(
      'invalid-credentials',
    );
    expect(await hasura.rows('SELECT deleting_at FROM "user"')).toEqual([{ deleting_at: null }]);
  });
});

describe('lock-outs (OWASP ASVS 4.0 2.2.1)', () => {
  // Tight limits: 3 failures per email and address, 6 per email from unknown addresses.
  const tight = { signinMaxFailures: 3, signinMaxFailuresPerEmail: 6 };
  const signin = (credentials: typeof VICTIM, address?: string) =>
    accounts(undefined, tight).signin(credentials, address === undefined ? {} : { address });

  async function attacked(): Promise<void> {
    await accounts().signup(VICTIM);
    await accounts().verifyEmail(tokenIn(mail.sent[0]), VICTIM.password, { address: '192.0.2.10' });
    // Strangers from many addresses, 3 guesses each (the strict limit): the per-email limit (6) fills.
    checked.count = 0;
    for (let i = 1; i <= 4; i++)
      for (let n = 0; n < 3; n++) await code(signin({ ...VICTIM, password: `guess ${n}` }, `203.0.113.${i}`));
  }

  it('caps wrong guesses from unknown addresses together at the per-email limit', async () => {
    await attacked();
    expect(await code(signin({ ...VICTIM, password: 'guess 9' }, '203.0.113.99'))).toBe('too-many-attempts');
    expect(await code(signin(VICTIM, '203.0.113.99'))).toBe('too-many-attempts');
    // 12 guesses from 4 addresses: only 6 passwords were ever checked.
    expect(checked.count).toBe(6);
  });

  it('lets the owner in from an address she reached the account from, whatever strangers did', async () => {
    await attacked();
    expect(await code(signin(VICTIM, '192.0.2.10'))).toBe('ok');
    // Her own mistakes there still count against the strict limit only.
    expect(await code(signin({ ...VICTIM, password: 'typo' }, '192.0.2.10'))).toBe('invalid-credentials');
    expect(await code(signin(VICTIM, '192.0.2.10'))).toBe('ok');
  });

  it('lets the owner in from a new address once she proves the mailbox there (ResetPassword)', async () => {
    await attacked();
    expect(await code(signin(VICTIM, '198.51.100.7'))).toBe('too-many-attempts');
    await accounts().requestPasswordReset(VICTIM.email);
    await accounts().resetPassword(tokenIn(mail.sent.at(-1)), VICTIM.password, { address: '198.51.100.7' });
    expect(await code(signin(VICTIM, '198.51.100.7'))).toBe('ok');
  });

  it('never treats a call without a client address as known', async () => {
    await attacked();
    expect(await code(signin(VICTIM, '192.0.2.10'))).toBe('ok');
    expect(await code(signin(VICTIM))).toBe('too-many-attempts');
  });
});
