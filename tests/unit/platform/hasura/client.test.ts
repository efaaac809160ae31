import {
  createHasuraClient,
  document,
  HasuraError,
  isUniquenessViolation,
} from '../../../../lib/platform/hasura/client';

const Hello = document<{ hello: string }, { name: string }>(
  'query Hello($name: String!) { hello(name: $name) }',
);

function fakeFetch(status: number, body: unknown) {
  return jest.fn(
    async (_url: string | URL | Request, _init?: RequestInit) =>
      new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }),
  );
}

describe('Hasura client', () => {
  it('posts the named operation and variables with the admin secret', async () => {
    const fetch = fakeFetch(200, { data: { hello: 'ada' } });
    const client = createHasuraClient({
      endpoint: 'http://hasura.test/v1/graphql',
      adminSecret: 'adm1n',
      timeoutMs: 1000,
      fetch,
    });
    await expect(client.request(Hello, { name: 'ada' })).resolves.toEqual({ hello: 'ada' });
    const [url, init] = fetch.mock.calls[0] ?? [];
    expect(String(url)).toBe('http://hasura.test/v1/graphql');
    expect(init?.method).toBe('POST');
    expect(new Headers(init?.headers).get('x-hasura-admin-secret')).toBe('adm1n');
    expect(JSON.parse(String(init?.body))).toMatchObject({
      operationName: 'Hello',
      variables: { name: 'ada' },
    });
  });

  it('turns a GraphQL error into a HasuraError with Hasura’s code', async () => {
    const fetch = fakeFetch(200, {
      errors: [
        {
          message: 'Uniqueness violation. duplicate key value violates unique constraint "user_email_key"',
          extensions: { code: 'constraint-violation', path: '$.selectionSet.insert_user_one.args.object[0]' },
        },
      ],
    });
    const client = createHasuraClient({
      endpoint: 'http://hasura.test/v1/graphql',
      adminSecret: 'a',
      timeoutMs: 1000,
      fetch,
    });
    const error = await client.request(Hello, { name: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HasuraError);
    expect(error).toMatchObject({ code: 'constraint-violation' });
    expect(isUniquenessViolation(error, 'user_email_key')).toBe(true);
    expect(isUniquenessViolation(error, 'other_key')).toBe(false);
  });

  it('gives up when the deadline has passed instead of waiting for a slow Hasura', async () => {
    // The client's own timeout would outlast Jest's time limit: only the deadline ends the call in time.
    const fetch = jest.fn(
      (_url: string | URL | Request, init?: RequestInit) =>
        new Promise<Response>((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
        }),
    );
    const client = createHasuraClient({
      endpoint: 'http://hasura.test/v1/graphql',
      adminSecret: 'a',
      timeoutMs: 600_000,
      fetch,
    });
    await expect(client.request(Hello, { name: 'x' }, { deadline: Date.now() + 50 })).rejects.toThrow();
    expect(fetch.mock.calls[0]?.[1]?.signal?.aborted).toBe(true);
  });

  it('answers an HTTP failure without a GraphQL error as http-error, and keeps Hasura’s error otherwise', async () => {
    const options = { endpoint: 'http://hasura.test/v1/graphql', adminSecret: 'a', timeoutMs: 1000 };
    const gateway = jest.fn(async () => new Response('<html>Bad Gateway</html>', { status: 502 }));
    await expect(
      createHasuraClient({ ...options, fetch: gateway }).request(Hello, { name: 'x' }),
    ).rejects.toMatchObject({ name: 'HasuraError', code: 'http-error', message: 'Hasura answered HTTP 502' });
    const refused = fakeFetch(400, {
      errors: [{ message: 'no such field', extensions: { code: 'validation-failed' } }],
    });
    await expect(
      createHasuraClient({ ...options, fetch: refused }).request(Hello, { name: 'x' }),
    ).rejects.toMatchObject({ code: 'validation-failed', message: 'no such field' });
    const empty = fakeFetch(200, {});
    await expect(
      createHasuraClient({ ...options, fetch: empty }).request(Hello, { name: 'x' }),
    ).rejects.toMatchObject({
      code: 'http-error',
    });
  });
});
