import { type GraphQLNamedType, type GraphQLSchema, getNamedType, isObjectType } from 'graphql';
import { createAccessTokens } from '../../../lib/accounts/tokens';
import { startTestHasura, type TestHasura } from '../../helpers/hasura';

/**
 * No permitted query for role user or anonymous can return more than a bounded amount of data.
 * Hasura CE compiles a whole selection into one SQL query and has no depth or node limit, so the
 * bound comes from the metadata: no relationship cycle (a user's data is project → user, one way),
 * and row limits on the select permissions.
 */

const key = new TextEncoder().encode('test-jwt-key-that-is-at-least-32-characters');
const tokens = createAccessTokens(
  { key, claimsNamespace: 'https://hasura.io/jwt/claims', claimsFormat: 'json' },
  900,
);
let hasura: TestHasura;
let ada: Record<string, string>;

beforeAll(async () => {
  hasura = await startTestHasura();
  await hasura.db.exec(`
    INSERT INTO public."user" (id, email, password_hash) VALUES (1, 'ada@example.com', 'h'), (2, 'bob@example.com', 'h');
    INSERT INTO public.project (owner_id, name, slot) VALUES (1, 'a', 1), (1, 'b', 2), (1, 'c', 3), (2, 'd', 1);
  `);
  ada = { authorization: `Bearer ${await tokens.issue(1)}` };
});
afterAll(() => hasura.close());

async function graphql(query: string, headers: Record<string, string> = {}) {
  const { body } = await hasura.engine.execute({ query, headers });
  return body as {
    data?: Record<string, unknown>;
    errors?: { message: string; extensions?: { code?: string } }[];
  };
}

/** The table types a role can reach from its query root, and whether one leads back to itself. */
function cycleIn(schema: GraphQLSchema): string[] | undefined {
  const edges = (type: GraphQLNamedType) =>
    isObjectType(type)
      ? Object.values(type.getFields())
          .map((field) => getNamedType(field.type))
          .filter((t) => isObjectType(t) && !t.name.startsWith('__') && !t.name.endsWith('_aggregate'))
      : [];
  const visit = (type: GraphQLNamedType, path: string[]): string[] | undefined => {
    if (path.includes(type.name)) return [...path, type.name];
    for (const next of edges(type)) {
      const found = visit(next, [...path, type.name]);
      if (found) return found;
    }
    return undefined;
  };
  const root = schema.getQueryType();
  return root
    ? edges(root).reduce<string[] | undefined>((found, t) => found ?? visit(t, []), undefined)
    : undefined;
}

describe('bounded queries', () => {
  it('refuses the 8-level query that used to grow sixfold per level', async () => {
    const eightLevels = `{ user { projects { owner { projects { user { projects { owner { projects { id name } } } } } } } } }`;
    const answer = await graphql(eightLevels, ada);
    expect(answer.data).toBeUndefined();
    expect(answer.errors?.[0]).toMatchObject({
      message: "field 'projects' not found in type: 'user'",
      extensions: { code: 'validation-failed' },
    });
    // Nor from the other end, nor through the former duplicate link.
    expect((await graphql('{ project { user { projects { id } } } }', ada)).errors?.[0]?.message).toBe(
      "field 'projects' not found in type: 'user'",
    );
    expect((await graphql('{ project { owner { id } } }', ada)).errors?.[0]?.message).toBe(
      "field 'owner' not found in type: 'project'",
    );
  });

  it.each(['user', 'anonymous'])('leaves role %s no relationship cycle to nest without end', (role) => {
    expect(cycleIn(hasura.engine.schemaFor(role))).toBeUndefined();
  });

  it('still answers the deepest permitted query, bounded by the caller’s own rows', async () => {
    const answer = await graphql(
      '{ project(order_by: {id: asc}) { name user { email } } user { email } }',
      ada,
    );
    expect(answer).toEqual({
      data: {
        project: ['a', 'b', 'c'].map((name) => ({ name, user: { email: 'ada@example.com' } })),
        user: [{ email: 'ada@example.com' }],
      },
    });
    // The tutorial's listing keeps working.
    const tutorial = await graphql('{ project(where: {user: {id: {_eq: 1}}}) { name } }', ada);
    expect(tutorial.data?.project).toHaveLength(3);
  });

  it('gives anonymous callers no table at all', async () => {
    expect((await graphql('{ project { id } }')).errors?.[0]?.extensions?.code).toBe('validation-failed');
  });
});
