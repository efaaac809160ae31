import { ensureOwnerAccount, ownerPassword, setOwnerPassword } from '../../../lib/appwrite/console';
import { startFakeAppwrite } from '../../helpers/fake-appwrite';

const KEY = 'k'.repeat(40);
const OWNER = 'owner@example.com';

describe('the console seat of an instance', () => {
  let appwrite: Awaited<ReturnType<typeof startFakeAppwrite>>;
  beforeEach(async () => {
    appwrite = await startFakeAppwrite({ whitelist: [OWNER] });
  });
  afterEach(() => appwrite.close());

  test('derives a strong password per environment, the same each time, from the claim key only', () => {
    const a = ownerPassword(KEY, 'env-1');
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(ownerPassword(KEY, 'env-1')).toBe(a);
    expect(ownerPassword(KEY, 'env-2')).not.toBe(a);
    expect(ownerPassword('x'.repeat(40), 'env-1')).not.toBe(a);
    expect(() => ownerPassword('short', 'env-1')).toThrow(TypeError);
  });

  test('waits for the API, then takes the one seat for the owner; again is fine', async () => {
    appwrite.state.ready = false;
    expect(await ensureOwnerAccount(appwrite.url, { email: OWNER, password: 'p'.repeat(20) })).toBe(
      'not-ready',
    );
    expect(appwrite.state.users).toEqual([]);
    appwrite.state.ready = true;
    expect(
      await ensureOwnerAccount(appwrite.url, { email: 'Owner@Example.com', password: 'p'.repeat(20) }),
    ).toBe('created');
    expect(await ensureOwnerAccount(appwrite.url, { email: OWNER, password: 'p'.repeat(20) })).toBe('exists');
    expect(appwrite.state.users).toEqual([{ email: OWNER, password: 'p'.repeat(20) }]);
  });

  test('once the owner holds the seat, nobody else can sign up', async () => {
    await ensureOwnerAccount(appwrite.url, { email: OWNER, password: 'p'.repeat(20) });
    const stranger = await fetch(`${appwrite.url}/v1/account`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-appwrite-project': 'console' },
      body: JSON.stringify({ userId: 'unique()', email: OWNER, password: 'their-own-password' }),
    });
    expect(stranger.status).toBe(501);
  });

  test('a whitelist that does not admit the owner is refused, for an operator to look at', async () => {
    expect(
      await ensureOwnerAccount(appwrite.url, { email: 'someone@else.com', password: 'p'.repeat(20) }),
    ).toBe('refused');
  });

  test('the owner sets their own password: session, change, session ended', async () => {
    const derived = ownerPassword(KEY, 'env-1');
    await ensureOwnerAccount(appwrite.url, { email: OWNER, password: derived });
    const changed = await setOwnerPassword(appwrite.url, {
      email: OWNER,
      currentPassword: derived,
      newPassword: 'the owner’s own password',
    });
    expect(changed).toBe('changed');
    expect(appwrite.state.users[0]?.password).toBe('the owner’s own password');
    expect(appwrite.sessions.size).toBe(0);
    // The derived password opens nothing any more.
    expect(
      await setOwnerPassword(appwrite.url, {
        email: OWNER,
        currentPassword: derived,
        newPassword: 'x'.repeat(12),
      }),
    ).toBe('wrong-password');
  });
});
