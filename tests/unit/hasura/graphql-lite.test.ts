import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { GraphQLClient } from 'graphql-request';
import { parse as yamlParse } from 'yaml';
import { createHasuraClient } from '../../../lib/hasura/client';
import * as documents from '../../../lib/hasura/documents';
import * as lite from '../../../lib/hasura/graphql-lite';

// graphql-request reaches `graphql` through this module in the deployed bundles (serverless.yml
// aliases it): do the same here, with spies to prove graphql-request really went through it.
jest.mock('graphql', () => {
  const shim = jest.requireActual('../../../lib/hasura/graphql-lite');
  return { ...shim, parse: jest.fn(shim.parse), print: jest.fn(shim.print) };
});

const realGraphql = jest.requireActual<typeof import('graphql')>('graphql');
const mockedGraphql = jest.requireMock<{ parse: jest.Mock; print: jest.Mock }>('graphql');
const ROOT = join(__dirname, '..', '..', '..');

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

describe('graphql-lite (the `graphql` stand-in of the bundles)', () => {
  beforeEach(() => {
    mockedGraphql.parse.mockClear();
    mockedGraphql.print.mockClear();
  });

  it('finds the same operations as graphql in every document the functions send', () => {
    expect(allDocuments.length).toBeGreaterThan(10);
    for (const [, source] of allDocuments) {
      expect(outline(lite.parse(source))).toEqual(outline(realGraphql.parse(source)));
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
    const fetch = recordingFetch({ data: { user: [], refresh_token: [] } });
    const hasura = createHasuraClient({
      endpoint: 'http://hasura.test/v1/graphql',
      adminSecret: 's',
      timeoutMs: 1000,
      fetch,
    });
    const variables = { email: 'ada@example.com', keep: 9, now: '2024-01-01T00:00:00Z' };
    await hasura.request(documents.SigninUser, variables);
    expect(sentBody(fetch).body).toEqual({
      query: documents.SigninUser,
      operationName: 'SigninUser',
      variables,
    });
    expect(mockedGraphql.parse).toHaveBeenCalled();
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
      expect(outline(lite.parse(source))).toEqual(outline(realGraphql.parse(source)));
  });

  it('parses each document once and shares the frozen result', () => {
    const source = 'query Cached { a }';
    const first = lite.parse(source);
    expect(lite.parse(source)).toBe(first);
    expect(Object.isFrozen(first.definitions[0])).toBe(true);
  });

  it('refuses what it does not support with a clear error', () => {
    const cases: [string, RegExp][] = [
      ['type User { id: Int }', /unsupported definition "type" .*line 1, column 1/],
      ['query Q { a ', /unexpected end of document/],
      ['query Q { a ) }', /unbalanced "\)"/],
      ['query Q { a(s: "open) }', /unterminated string/],
      ['query Q { a(s: """open) }', /unterminated block string/],
      ['query Q { a }\n  ~', /unexpected character "~" at line 2, column 3/],
      ['query Q', /expected a selection set/],
      ['fragment on on T { a }', /cannot be named "on"/],
      ['   ', /no definition/],
    ];
    for (const [source, message] of cases) {
      expect(() => lite.parse(source)).toThrow(lite.GraphQLLiteError);
      expect(() => lite.parse(source)).toThrow(message);
    }
    expect(() => lite.parse({ body: '{ a }' } as unknown as string)).toThrow(/parses strings only/);
    expect(() => lite.print({ kind: 'Document', definitions: [] })).toThrow(/cannot print a DocumentNode/);
  });

  it('fails the request clearly when given a DocumentNode instead of a string', async () => {
    const fetch = recordingFetch();
    const client = new GraphQLClient('http://hasura.test/v1/graphql', { fetch });
    const node = realGraphql.parse('query Q { a }');
    await expect(client.request(node)).rejects.toThrow(/cannot print a DocumentNode/);
    expect(fetch).not.toHaveBeenCalled();
  });

  it('exports what graphql-request needs, and Kind as graphql has it', () => {
    for (const [key, value] of Object.entries(lite.Kind))
      expect(realGraphql.Kind[key as keyof typeof realGraphql.Kind]).toBe(value);
  });

  it('replaces graphql in the bundles built with serverless.yml’s esbuild options', async () => {
    const config = yamlParse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')) as {
      custom: { esbuild: { alias?: Record<string, string>; mainFields?: string[] } };
    };
    const { alias, mainFields } = config.custom.esbuild;
    expect(alias?.graphql).toBe('./lib/hasura/graphql-lite.ts');
    const result = await esbuild.build({
      absWorkingDir: ROOT,
      entryPoints: ['lib/hasura/client.ts'],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      write: false,
      metafile: true,
      logLevel: 'silent',
      alias,
      ...(mainFields ? { mainFields } : {}),
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs).toContain('lib/hasura/graphql-lite.ts');
    expect(inputs.filter((path) => path.includes('node_modules/graphql/'))).toEqual([]);
  });
});
