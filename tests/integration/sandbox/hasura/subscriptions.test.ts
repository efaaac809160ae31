import { type Client, createClient } from 'graphql-ws';
import { SubscriptionClient } from 'subscriptions-transport-ws';
import WebSocket from 'ws';
import { type HasuraStandIn, startHasuraStandIn } from '../../../../sandbox/hasura';
import { baseEnv, REPO_PROJECT, userToken } from './helpers';

/**
 * Subscriptions as Hasura serves them (docs: Subscriptions; Live queries), driven by maintained
 * client libraries: `graphql-ws` (protocol graphql-transport-ws) and `subscriptions-transport-ws`
 * (the older graphql-ws subprotocol, what Apollo's WebSocketLink speaks).
 */

let hasura: HasuraStandIn;
let wsUrl: string;

beforeAll(async () => {
  hasura = await startHasuraStandIn({ projectDir: REPO_PROJECT, env: baseEnv(), refetchMs: 50 });
  wsUrl = hasura.graphqlUrl.replace(/^http/, 'ws');
});
afterAll(() => hasura.close());
beforeEach(async () => {
  await hasura.db.exec(`TRUNCATE project, "user" RESTART IDENTITY CASCADE;
    INSERT INTO "user" (email, password_hash) VALUES ('ada@example.com', 'x'), ('bob@example.com', 'x');
    INSERT INTO project (owner_id, name, slot, status) VALUES (1, 'ada-1', 1, 'STARTING'), (2, 'bob-1', 1, 'STARTING');`);
});

const QUERY = 'subscription { project(order_by: {id: asc}) { id name status } }';
type Result = { data?: { project?: { id: number; name: string; status: string }[] }; errors?: unknown };

/** Collects what a subscription pushes; `next(n)` waits for the n-th message. */
function collector() {
  const seen: Result[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  return {
    seen,
    push(result: Result) {
      seen.push(result);
      for (const w of waiters.filter((w) => seen.length >= w.n)) w.resolve();
    },
    next(n: number) {
      if (seen.length >= n) return Promise.resolve();
      return new Promise<void>((resolve) => waiters.push({ n, resolve }));
    },
  };
}

function transportClient(token?: string): Client {
  return createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    lazy: true,
    retryAttempts: 0,
    connectionParams: token ? { headers: { Authorization: `Bearer ${token}` } } : {},
  });
}

describe('graphql-transport-ws (graphql-ws client)', () => {
  it("pushes the user's own rows at once, then again only when they change", async () => {
    const client = transportClient(userToken(1));
    const got = collector();
    const dispose = client.subscribe<Result['data']>(
      { query: QUERY },
      { next: (r) => got.push(r as Result), error: () => {}, complete: () => {} },
    );
    try {
      await got.next(1);
      expect(got.seen[0]).toEqual({ data: { project: [{ id: 1, name: 'ada-1', status: 'STARTING' }] } });
      // Re-runs that find the same result send nothing; another user's change is not seen.
      await hasura.db.exec(`UPDATE project SET status = 'RUNNING' WHERE id = 2`);
      await new Promise((r) => setTimeout(r, 300));
      expect(got.seen).toHaveLength(1);
      await hasura.db.exec(`UPDATE project SET status = 'RUNNING' WHERE id = 1`);
      await got.next(2);
      expect(got.seen[1]).toEqual({ data: { project: [{ id: 1, name: 'ada-1', status: 'RUNNING' }] } });
    } finally {
      dispose();
      await client.dispose();
    }
  });

  it('refuses a field the role may not read, as a query would', async () => {
    const client = transportClient(userToken(1));
    const error = await new Promise<unknown>((resolve) => {
      client.subscribe(
        { query: 'subscription { project { qovery_environment_id } }' },
        { next: () => {}, error: resolve, complete: () => resolve('completed') },
      );
    });
    await client.dispose();
    expect(error).toEqual([
      expect.objectContaining({ message: "field 'qovery_environment_id' not found in type: 'project'" }),
    ]);
  });

  it('refuses a connection with an invalid token', async () => {
    const client = transportClient(`${userToken(1)}x`);
    const error = await new Promise<unknown>((resolve) => {
      client.subscribe({ query: QUERY }, { next: () => {}, error: resolve, complete: () => {} });
    });
    await client.dispose();
    expect(error).toMatchObject({ code: 4400 });
  });

  it('over HTTP, a subscription is refused, as Hasura does', async () => {
    const response = await fetch(hasura.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${userToken(1)}` },
      body: JSON.stringify({ query: QUERY }),
    });
    expect(await response.json()).toMatchObject({
      errors: [{ message: 'subscriptions are not supported over HTTP, use websockets instead' }],
    });
  });
});

describe('graphql-ws, the older subprotocol (subscriptions-transport-ws client)', () => {
  it('pushes live results with the same permission filter', async () => {
    const client = new SubscriptionClient(
      wsUrl,
      { connectionParams: { headers: { Authorization: `Bearer ${userToken(2)}` } }, reconnect: false },
      WebSocket,
    );
    const got = collector();
    const subscription = client.request({ query: QUERY }).subscribe({
      next: (r) => got.push(r as Result),
      error: () => {},
    });
    try {
      await got.next(1);
      expect(got.seen[0]).toEqual({ data: { project: [{ id: 2, name: 'bob-1', status: 'STARTING' }] } });
      await hasura.db.exec(`UPDATE project SET status = 'STOPPED' WHERE id = 2`);
      await got.next(2);
      expect(got.seen[1]).toEqual({ data: { project: [{ id: 2, name: 'bob-1', status: 'STOPPED' }] } });
    } finally {
      subscription.unsubscribe();
      client.close();
    }
  });
});
