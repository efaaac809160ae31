import { type OperationDefinitionNode, parse } from 'graphql';
import { createHasuraClient, operationName } from '../../../../lib/platform/hasura/client';
import * as documents from '../../../../lib/platform/hasura/documents';

// The client names each request's operation without a GraphQL parser (lib/platform/hasura/client.ts):
// it must find the name graphql itself finds, in every document the functions send.

/** Every document of documents.ts, by export name. */
const allDocuments = Object.entries(documents).filter((entry): entry is [string, string] => {
  return typeof entry[1] === 'string';
});

/** The operation's name as graphql parses it (the documents have one operation each). */
function parsedName(source: string): string | undefined {
  const operations = parse(source).definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === 'OperationDefinition',
  );
  return operations[0]?.name?.value;
}

describe('the operation name the Hasura client sends', () => {
  it('is the one graphql finds, in every document the functions send', () => {
    expect(allDocuments.length).toBeGreaterThan(10);
    for (const [name, source] of allDocuments) {
      expect(parsedName(source)).toBe(name);
      expect(operationName(source)).toBe(name);
    }
  });

  it('is found after leading blanks and before variables, fragments or a selection', () => {
    const sources = [
      '  \n query Q { a }',
      'mutation M($o: user_insert_input!) { insert_user_one(object: $o) { id } }',
      'query Q{ ...F } fragment F on query_root { user { id } }',
      'subscription S { s { id } }',
    ];
    for (const source of sources) expect(operationName(source)).toBe(parsedName(source));
  });

  it('is absent for an anonymous operation, which Hasura runs without one', () => {
    for (const source of ['{ user { id } }', 'query { user { id } }'])
      expect(operationName(source)).toBeUndefined();
  });

  it('is what the client puts in the body, with the query and the variables', async () => {
    const fetch = jest.fn(
      async (_url: string | URL, _init?: { body?: string }) =>
        new Response(JSON.stringify({ data: { ok: true } }), { status: 200 }),
    );
    const hasura = createHasuraClient({
      endpoint: 'http://h.test/v1/graphql',
      adminSecret: 's',
      timeoutMs: 1000,
      fetch,
    });
    for (const [name, source] of allDocuments) {
      await hasura.request(source as never, { any: 1 } as never);
      const body = JSON.parse(String(fetch.mock.lastCall?.[1]?.body)) as Record<string, unknown>;
      expect(body).toEqual({ query: source, variables: { any: 1 }, operationName: name });
    }
  });
});
