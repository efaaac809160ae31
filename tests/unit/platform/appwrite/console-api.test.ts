import { CONSOLE_GATE } from '../../../../lib/instances/blueprint/proxy';
import {
  CONSOLE_GATE_HEADER,
  consoleGateToken,
  ensureOwnerAccount,
  ownerPassword,
  ownsSeat,
  setOwnerPassword,
} from '../../../../lib/platform/appwrite/console-api';
import { startFakeAppwrite } from '../../../helpers/fake-appwrite';

const KEY = 'k'.repeat(40);
const OWNER = 'owner@example.com';
const GATE = consoleGateToken(KEY, 'env-1');
/** What the control plane's calls carry. */
const through = { gate: GATE };

describe('the console seat of an instance', () => {
  let appwrite: Awaited<ReturnType<typeof startFakeAppwrite>>;
  /** The proxy's gate variable. */
  let gate: string | undefined;
  beforeEach(async () => {
    gate = GATE;
    appwrite = await startFakeAppwrite({ whitelist: [OWNER], gate: () => gate });
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
    expect(await ensureOwnerAccount(appwrite.url, { email: OWNER, password: 'p'.repeat(20) }, through)).toBe(
      'not-ready',
    );
    expect(appwrite.state.users).toEqual([]);
    appwrite.state.ready = true;
    expect(
      await ensureOwnerAccount(
        appwrite.url,
        { email: 'Owner@Example.com', password: 'p'.repeat(20) },
        through,
      ),
    ).toBe('created');
    expect(await ensureOwnerAccount(appwrite.url, { email: OWNER, password: 'p'.repeat(20) }, through)).toBe(
      'taken',
    );
    expect(appwrite.state.users).toEqual([{ email: OWNER, password: 'p'.repeat(20) }]);
  });

  test('derives the gate token per environment, apart from the password', () => {
    expect(GATE).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(consoleGateToken(KEY, 'env-1')).toBe(GATE);
    expect(consoleGateToken(KEY, 'env-2')).not.toBe(GATE);
    expect(GATE).not.toBe(ownerPassword(KEY, 'env-1'));
  });

  test('until the seat is taken, the proxy shuts every account route to all but the control plane', async () => {
    const stranger = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${appwrite.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-appwrite-project': 'console', ...headers },
        body: JSON.stringify(body),
      });
    // The owner's address and a password of the stranger's choosing: the whitelist alone admits it.
    for (const [path, body] of [
      ['/v1/account', { userId: 'unique()', email: OWNER, password: 'stranger-password' }],
      ['/v1/account/tokens/magic-url', { userId: 'unique()', email: 'stranger@example.com' }],
      ['/v1/account/tokens/email', { userId: 'unique()', email: 'stranger@example.com' }],
      ['/v1/account/sessions/anonymous', {}],
      ['/V1//Account', { userId: 'unique()', email: OWNER, password: 'stranger-password' }],
      // AppWrite runs the same account route for GraphQL's accountCreate (guests have the scope).
      [
        '/v1/graphql',
        {
          query: `mutation { accountCreate(userId: "unique()", email: "${OWNER}", password: "stranger-password") { _id } }`,
        },
      ],
      [
        '/v1/graphql/mutation',
        {
          query: `mutation { accountCreate(userId: "unique()", email: "${OWNER}", password: "stranger-password") { _id } }`,
        },
      ],
    ] as const) {
      const answer = await stranger(path, body);
      expect({ path, status: answer.status, body: await answer.json() }).toEqual({
        path,
        status: 403,
        body: CONSOLE_GATE.refusal,
      });
    }
    const guessed = await stranger(
      '/v1/account',
      { userId: 'unique()', email: OWNER, password: 'stranger-password' },
      { [CONSOLE_GATE_HEADER]: consoleGateToken('g'.repeat(40), 'env-1') },
    );
    expect(guessed.status).toBe(403);
    expect(appwrite.state.users).toEqual([]);

    // The control plane passes, and a token that does not fit is an operator's problem, not a wait.
    expect(
      await ensureOwnerAccount(appwrite.url, { email: OWNER, password: 'p'.repeat(20) }, { gate: 'wrong' }),
    ).toBe('refused');
    expect(await ensureOwnerAccount(appwrite.url, { email: OWNER, password: 'p'.repeat(20) }, through)).toBe(
      'created',
    );
    // Opened once the seat is taken: the routes answer as AppWrite does.
    gate = CONSOLE_GATE.open;
    const late = await stranger('/v1/account', { userId: 'unique()', email: OWNER, password: 'their-own' });
    expect(late.status).toBe(501);
  });

  test('once the owner holds the seat, nobody else can sign up', async () => {
    await ensureOwnerAccount(appwrite.url, { email: OWNER, password: 'p'.repeat(20) }, through);
    gate = CONSOLE_GATE.open;
    const stranger = await fetch(`${appwrite.url}/v1/account`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-appwrite-project': 'console' },
      body: JSON.stringify({ userId: 'unique()', email: OWNER, password: 'their-own-password' }),
    });
    expect(stranger.status).toBe(501);
  });

  test('a seat taken is ours only if a session with our password opens the owner’s account', async () => {
    const derived = ownerPassword(KEY, 'env-1');
    // Someone got past the gate with the owner's address and a password of their own.
    gate = CONSOLE_GATE.open;
    const stranger = await fetch(`${appwrite.url}/v1/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-appwrite-project': 'console' },
      body: JSON.stringify({
        query: `mutation { accountCreate(userId: "unique()", email: "${OWNER}", password: "stranger-password") { _id } }`,
      }),
    });
    expect(stranger.status).toBe(201);
    gate = GATE;
    expect(await ensureOwnerAccount(appwrite.url, { email: OWNER, password: derived }, through)).toBe(
      'taken',
    );
    expect(await ownsSeat(appwrite.url, { email: OWNER, password: derived }, through)).toBe('not-ours');

    appwrite.state.users.splice(0, 1, { email: OWNER, password: derived });
    expect(await ownsSeat(appwrite.url, { email: OWNER, password: derived }, through)).toBe('ours');
    expect(appwrite.sessions.size).toBe(0); // the proof's session is ended
  });

  test('a whitelist that does not admit the owner is refused, for an operator to look at', async () => {
    expect(
      await ensureOwnerAccount(
        appwrite.url,
        { email: 'someone@else.com', password: 'p'.repeat(20) },
        through,
      ),
    ).toBe('refused');
  });

  test('the owner sets their own password: session, change, session ended', async () => {
    const derived = ownerPassword(KEY, 'env-1');
    await ensureOwnerAccount(appwrite.url, { email: OWNER, password: derived }, through);
    const changed = await setOwnerPassword(
      appwrite.url,
      {
        email: OWNER,
        currentPassword: derived,
        newPassword: 'the owner’s own password',
      },
      through,
    );
    expect(changed).toBe('changed');
    expect(appwrite.state.users[0]?.password).toBe('the owner’s own password');
    expect(appwrite.sessions.size).toBe(0);
    // The derived password opens nothing any more.
    expect(
      await setOwnerPassword(
        appwrite.url,
        {
          email: OWNER,
          currentPassword: derived,
          newPassword: 'x'.repeat(12),
        },
        through,
      ),
    ).toBe('wrong-password');
  });
});
