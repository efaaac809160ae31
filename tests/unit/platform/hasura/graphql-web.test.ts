import * as web from '@0no-co/graphql.web';
import { GraphQLClient } from 'graphql-request';
import { esbuildOptions } from '../../../../bench/lib/serverless-config';
import { createHasuraClient } from '../../../../lib/platform/hasura/client';
import * as documents from '../../../../lib/platform/hasura/documents';

// In the deployed bundles graphql-request reaches `graphql` through @0no-co/graphql.web
// (serverless.yml aliases it): do the same here, with spies to prove it really went through it.
jest.mock('graphql', () => {
  const actual = jest.requireActual('@0no-co/graphql.web');
  return { ...actual, parse: jest.fn(actual.parse), print: jest.fn(actual.print) };
});

const realGraphql = jest.requireActual<typeof import('graphql')>('graphql');
const mockedGraphql = jest.requireMock<{ parse: jest.Mock; print: jest.Mock }>('graphql');

/** Every document of documents.ts, by export name. */
const allDocuments = Object.entries(documents).filter((entry): entry is [string, string] => {
  return typeof entry[1] === 'string';
});

function recordingFetch(answer: unknown = { data: { ok: true } }) {
  return jest.fn(
    async (_url: string | URL | Request, _init?: RequestInit) =>
      new Response(JSON.stringify(answer), { status: 200, headers: { 'content-type': 'application/json' } }),
  );
}

function sentBody(fetch: ReturnType<typeof recordingFetch>) {
  const init = fetch.mock.calls[0]?.[1];
  return { method: init?.method, body: JSON.parse(String(init?.body)) as Record<string, unknown> };
}

/** The definitions as graphql-request sees them: kind, operation and name. */
function outline(document: { definitions: readonly unknown[] }) {
  return document.definitions.map((definition) => {
    const d = definition as { kind: string; operation?: string; name?: { value: string } };
    return { kind: d.kind, operation: d.operation, name: d.name?.value };
  });
}

describe('@0no-co/graphql.web, the `graphql` of the bundles', () => {
  beforeEach(() => {
    mockedGraphql.parse.mockClear();
  });

  it('finds the same operations as graphql in every document the functions send', () => {
    expect(allDocuments.length).toBeGreaterThan(10);
    for (const [, source] of allDocuments) {
      expect(outline(web.parse(source))).toEqual(outline(realGraphql.parse(source)));
    }
  });

  it.each(allDocuments)(
    'makes graphql-request send %s with its operationName and query',
    async (name, source) => {
      const fetch = recordingFetch();
      const client = new GraphQLClient('http://hasura.test/v1/graphql', { fetch });
      await client.request(source, { any: 1 });
      expect(mockedGraphql.parse).toHaveBeenCalledWith(source);
      const { method, body } = sentBody(fetch);
      expect(method).toBe('POST');
      expect(body).toEqual({ query: source, operationName: name, variables: { any: 1 } });
    },
  );

  it('goes through our Hasura client too', async () => {
    const fetch = recordingFetch({ data: { user: [] } });
    const hasura = createHasuraClient({
      endpoint: 'http://hasura.test/v1/graphql',
      adminSecret: 's',
      timeoutMs: 1000,
      fetch,
    });
    const [name, source] = allDocuments[0] ?? ['', ''];
    await hasura.request(source, { any: 1 });
    expect(sentBody(fetch).body).toMatchObject({ query: source, operationName: name });
    expect(mockedGraphql.parse).toHaveBeenCalled();
  });

  it('has the Kind values of graphql that graphql-request compares against', () => {
    expect(web.Kind.OPERATION_DEFINITION).toBe(realGraphql.Kind.OPERATION_DEFINITION);
    expect(web.Kind.DOCUMENT).toBe(realGraphql.Kind.DOCUMENT);
  });

  it('reads anonymous, shorthand and several operations, fragments, strings and comments like graphql', () => {
    const sources = [
      '{ user { id } }',
      'query { user { id } }',
      'mutation M($o: user_insert_input! = { email: "a{b}" }) @cached(ttl: 5) { insert_user_one(object: $o) { id } }',
      'query A { a } query B { b }',
      'query Q { ...F } fragment F on query_root { user(where: { email: { _eq: "}" } }) { id } }',
      '# mutation Hidden { x }\nsubscription S { s(arg: """ } query """) { id } }',
      'query Q($n: [Int!]! = [1, -2.5e3]) { q(n: $n, s: "\\"quoted {\\"") }',
    ];
    for (const source of sources)
      expect(outline(web.parse(source))).toEqual(outline(realGraphql.parse(source)));
  });

  it('refuses a malformed document as graphql does', () => {
    for (const source of ['query Q { a ', 'query Q { a ) }', 'query Q', 'query Q { a(s: "open) }']) {
      expect(() => realGraphql.parse(source)).toThrow();
      expect(() => web.parse(source)).toThrow();
    }
  });

  it('is what serverless.yml gives the bundles in place of graphql', () => {
    expect(esbuildOptions().alias).toEqual({ graphql: '@0no-co/graphql.web' });
  });
});
