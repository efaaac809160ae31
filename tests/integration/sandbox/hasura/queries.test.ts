import { asAdmin, bearer, firstError, type Harness, startRepoAndBlog, userToken } from './helpers';

let repo: Harness;
let blog: Harness;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ repo, blog, close } = await startRepoAndBlog());
  await repo.db.exec(`
    INSERT INTO public."user" (id, email, password_hash) VALUES
      (1, 'ada@example.com', 'hash-1'), (2, 'bob@example.com', 'hash-2'), (3, 'cy@example.com', 'hash-3');
    INSERT INTO public.project (id, owner_id, name, slot, status, url) VALUES
      (10, 1, 'alpha', 1, 'RUNNING', 'https://alpha.example'),
      (11, 1, 'beta', 2, 'STOPPED', NULL),
      (12, 2, 'Gamma', 1, 'RUNNING', 'https://gamma.example'),
      (13, 3, 'delta', 1, 'ERROR', NULL);
  `);
  await blog.db.exec(`
    INSERT INTO public.author (id, name, tenant, score, meta) VALUES
      (1, 'ann', 'acme', 10, '{"lang": "en"}'), (2, 'ben', 'acme', 20, NULL), (3, 'cat', 'acme', 30, NULL), (4, 'dan', 'other', 40, NULL);
    INSERT INTO public.article (id, author_id, title, published, rating, tags) VALUES
      (1, 1, 'hello', true, 4.5, '{a,b}'), (2, 1, 'draft', false, NULL, NULL), (3, 4, 'elsewhere', true, 3, NULL);
    INSERT INTO public.secret_note (article_id, body) VALUES (1, 'shh');
  `);
});

afterAll(() => close());

const ids = (rows: unknown) => (rows as Array<{ id: number }>).map((r) => r.id);
const projectIds = async (where: string, headers = asAdmin()) => {
  const body = await repo.gql(`{ project(where: ${where}, order_by: {id: asc}) { id } }`, headers);
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return ids(body.data?.project);
};

describe('where', () => {
  it('supports the comparison operators', async () => {
    expect(await projectIds('{id: {_eq: 11}}')).toEqual([11]);
    expect(await projectIds('{id: {_neq: 11}}')).toEqual([10, 12, 13]);
    expect(await projectIds('{id: {_in: [10, 13]}}')).toEqual([10, 13]);
    expect(await projectIds('{id: {_nin: [10, 13]}}')).toEqual([11, 12]);
    expect(await projectIds('{id: {_in: []}}')).toEqual([]);
    expect(await projectIds('{id: {_gt: 11}}')).toEqual([12, 13]);
    expect(await projectIds('{id: {_gte: 11, _lte: 12}}')).toEqual([11, 12]);
    expect(await projectIds('{id: {_lt: 11}}')).toEqual([10]);
    expect(await projectIds('{url: {_is_null: true}}')).toEqual([11, 13]);
    expect(await projectIds('{url: {_is_null: false}}')).toEqual([10, 12]);
    expect(await projectIds('{name: {_like: "%a"}}')).toEqual([10, 11, 12, 13]);
    expect(await projectIds('{name: {_like: "g%"}}')).toEqual([]);
    expect(await projectIds('{name: {_ilike: "g%"}}')).toEqual([12]);
  });

  it('combines expressions with _and, _or and _not', async () => {
    expect(await projectIds('{_and: [{status: {_eq: "RUNNING"}}, {owner_id: {_eq: 1}}]}')).toEqual([10]);
    expect(await projectIds('{_or: [{id: {_eq: 10}}, {id: {_eq: 13}}]}')).toEqual([10, 13]);
    expect(await projectIds('{_not: {status: {_eq: "RUNNING"}}}')).toEqual([11, 13]);
    expect(await projectIds('{_or: []}')).toEqual([]);
    expect(await projectIds('{_and: []}')).toEqual([10, 11, 12, 13]);
  });

  it('follows object and array relationships', async () => {
    expect(await projectIds('{user: {id: {_eq: 1}}}')).toEqual([10, 11]);
    expect(await projectIds('{user: {email: {_ilike: "BOB%"}}}')).toEqual([12]);
    const body = await blog.gql('{ author(where: {articles: {rating: {_lt: 4}}}) { id } }', asAdmin());
    expect(body.data).toEqual({ author: [{ id: 4 }] });
  });

  it('takes values from variables', async () => {
    const body = await repo.gql(
      'query Projects($owner: Int!, $statuses: [String!]) { project(where: {owner_id: {_eq: $owner}, status: {_in: $statuses}}) { id } }',
      asAdmin(),
      { owner: 1, statuses: ['STOPPED'] },
    );
    expect(body.data).toEqual({ project: [{ id: 11 }] });
  });

  it('refuses null in a comparison instead of matching everything', async () => {
    const body = await repo.gql('query ($id: Int) { project(where: {id: {_eq: $id}}) { id } }', asAdmin(), {
      id: null,
    });
    expect(firstError(body)).toEqual({
      message: 'expected a 32-bit integer for type "Int", but found null',
      extensions: { path: '$.selectionSet.project.args.where.id._eq', code: 'validation-failed' },
    });
  });

  it('reports PostgreSQL data errors as data-exception', async () => {
    const body = await repo.gql('{ refresh_token(where: {id: {_eq: "not-a-uuid"}}) { id } }', asAdmin());
    expect(firstError(body)).toEqual({
      message: 'invalid input syntax for type uuid: "not-a-uuid"',
      extensions: expect.objectContaining({ path: '$', code: 'data-exception' }),
    });
  });
});

describe('order_by, limit, offset, distinct_on', () => {
  it('orders ascending and descending, also through an object relationship', async () => {
    const desc = await repo.gql('{ project(order_by: {id: desc}) { id } }', asAdmin());
    expect(ids(desc.data?.project)).toEqual([13, 12, 11, 10]);
    const byOwner = await repo.gql(
      '{ project(order_by: [{user: {email: desc}}, {slot: asc}]) { id } }',
      asAdmin(),
    );
    expect(ids(byOwner.data?.project)).toEqual([13, 12, 10, 11]);
    const nulls = await repo.gql('{ project(order_by: {url: asc_nulls_first}) { id } }', asAdmin());
    expect(ids(nulls.data?.project).slice(0, 2).sort()).toEqual([11, 13]);
  });

  it('pages with limit and offset', async () => {
    const body = await repo.gql('{ project(order_by: {id: asc}, limit: 2, offset: 1) { id } }', asAdmin());
    expect(ids(body.data?.project)).toEqual([11, 12]);
  });

  it('keeps one row per distinct_on value', async () => {
    const body = await repo.gql(
      '{ project(distinct_on: owner_id, order_by: [{owner_id: asc}, {id: desc}]) { id } }',
      asAdmin(),
    );
    expect(ids(body.data?.project)).toEqual([11, 12, 13]);
  });
});

describe('selections', () => {
  it('nests object and array relationships with their own arguments', async () => {
    const body = await blog.gql(
      `{ author(where: {id: {_eq: 1}}) {
          name
          articles(order_by: {id: desc}, limit: 1) { title author { id } }
          articles_aggregate { aggregate { count max { id } } }
        } }`,
      asAdmin(),
    );
    expect(body.data).toEqual({
      author: [
        {
          name: 'ann',
          articles: [{ title: 'draft', author: { id: 1 } }],
          articles_aggregate: { aggregate: { count: 2, max: { id: 2 } } },
        },
      ],
    });
  });

  it('answers aliases, fragments, __typename and @include like graphql-js would', async () => {
    const body = await repo.gql(
      `query ($withUrl: Boolean!) {
        first: project_by_pk(id: 10) { ...Basic url @include(if: $withUrl) __typename }
        missing: project_by_pk(id: 999) { id }
        __typename
      }
      fragment Basic on project { id label: name }`,
      asAdmin(),
      { withUrl: false },
    );
    expect(body).toEqual({
      data: {
        first: { id: 10, label: 'alpha', __typename: 'project' },
        missing: null,
        __typename: 'query_root',
      },
    });
  });

  it('serialises column types as Hasura does (timestamptz, bigint, numeric, jsonb, arrays)', async () => {
    await repo.db.exec(
      `INSERT INTO public.rate_limit (key, window_start, hits, expires_at) VALUES ('k', '2024-03-01T10:00:00Z', 1, '2024-03-01T10:01:00Z')`,
    );
    const counters = await repo.gql('{ rate_limit { hits window_start } }', asAdmin());
    expect(counters.data).toEqual({ rate_limit: [{ hits: 1, window_start: '2024-03-01T10:00:00+00:00' }] });
    const article = await blog.gql(
      '{ article_by_pk(id: 1) { rating tags author { score meta } } }',
      asAdmin(),
    );
    expect(article.data).toEqual({
      article_by_pk: { rating: 4.5, tags: ['a', 'b'], author: { score: 10, meta: { lang: 'en' } } },
    });
  });

  it('counts and aggregates at the root for admin', async () => {
    const body = await repo.gql(
      '{ project_aggregate(where: {status: {_eq: "RUNNING"}}) { aggregate { count min { name } } nodes { id } } }',
      asAdmin(),
    );
    expect(body.data).toEqual({
      project_aggregate: { aggregate: { count: 2, min: { name: 'Gamma' } }, nodes: [{ id: 10 }, { id: 12 }] },
    });
  });

  it('serves introspection', async () => {
    const body = await repo.gql('{ __type(name: "project") { fields { name } } }', bearer(userToken(1)));
    const names = (body.data?.__type as { fields: Array<{ name: string }> } | undefined)?.fields.map(
      (f) => f.name,
    );
    expect(names).toContain('status');
    expect(names).not.toContain('qovery_environment_id');
  });

  it('refuses introspection to roles listed in graphql_schema_introspection.yaml', async () => {
    const body = await blog.gql(
      '{ __schema { queryType { name } } }',
      asAdmin({ 'x-hasura-role': 'reader' }),
    );
    expect(firstError(body).extensions.code).toBe('validation-failed');
  });
});

describe('row and column permissions', () => {
  it('shows role user only its own projects', async () => {
    const body = await repo.gql('{ project(order_by: {id: asc}) { id name } }', bearer(userToken(1)));
    expect(body).toEqual({
      data: {
        project: [
          { id: 10, name: 'alpha' },
          { id: 11, name: 'beta' },
        ],
      },
    });
    expect((await repo.gql('{ project_by_pk(id: 12) { id } }', bearer(userToken(1)))).data).toEqual({
      project_by_pk: null,
    });
  });

  it("lets role user filter projects by the user relationship, within its own rows (the tutorial's query)", async () => {
    const mine = await repo.gql('{ project(where: {user: {id: {_eq: 1}}}) { id } }', bearer(userToken(1)));
    expect(ids(mine.data?.project).sort()).toEqual([10, 11]);
    const theirs = await repo.gql('{ project(where: {user: {id: {_eq: 2}}}) { id } }', bearer(userToken(1)));
    expect(theirs.data).toEqual({ project: [] });
  });

  it('never shows password_hash to role user, not even in a filter', async () => {
    const select = await repo.gql('{ user { id password_hash } }', bearer(userToken(1)));
    expect(firstError(select)).toEqual({
      message: "field 'password_hash' not found in type: 'user'",
      extensions: { path: '$.selectionSet.user.selectionSet.password_hash', code: 'validation-failed' },
    });
    const filter = await repo.gql(
      '{ project(where: {user: {password_hash: {_eq: "hash-1"}}}) { id } }',
      bearer(userToken(1)),
    );
    expect(firstError(filter)).toEqual({
      message: "field 'password_hash' not found in type: 'user_bool_exp'",
      extensions: {
        path: '$.selectionSet.project.args.where.user.password_hash',
        code: 'validation-failed',
      },
    });
  });

  it('hides private columns of a permitted table', async () => {
    const body = await repo.gql('{ project { qovery_environment_id } }', bearer(userToken(1)));
    expect(firstError(body).message).toBe("field 'qovery_environment_id' not found in type: 'project'");
  });

  it('requires the session variables a filter uses', async () => {
    const body = await repo.gql('{ project { id } }', asAdmin({ 'x-hasura-role': 'user' }));
    expect(firstError(body)).toEqual({
      message: 'missing session variable: "x-hasura-user-id"',
      extensions: { path: '$', code: 'not-found' },
    });
  });

  it('applies the remote table permission to relationship conditions in where', async () => {
    const reader = asAdmin({ 'x-hasura-role': 'reader' });
    // ann wrote the unpublished "draft": admin finds her through it, a reader cannot.
    expect(
      (await blog.gql('{ author(where: {articles: {title: {_eq: "draft"}}}) { id } }', asAdmin())).data,
    ).toEqual({ author: [{ id: 1 }] });
    expect(
      (await blog.gql('{ author(where: {articles: {title: {_eq: "draft"}}}) { id } }', reader)).data,
    ).toEqual({ author: [] });
    expect((await blog.gql('{ author_by_pk(id: 1) { articles { title } } }', reader)).data).toEqual({
      author_by_pk: { articles: [{ title: 'hello' }] },
    });
  });

  it('filters with relationships in permissions and caps rows at the permission limit', async () => {
    const editor = asAdmin({ 'x-hasura-role': 'editor', 'x-hasura-tenant': 'acme' });
    const authors = await blog.gql('{ author(order_by: {id: asc}) { id } }', editor);
    expect(ids(authors.data?.author)).toEqual([1, 2]);
    const limited = await blog.gql('{ author(order_by: {id: desc}, limit: 5) { id } }', editor);
    expect(ids(limited.data?.author)).toEqual([3, 2]);
    const articles = await blog.gql('{ article(order_by: {id: asc}) { id } }', editor);
    expect(ids(articles.data?.article)).toEqual([1, 2]);
  });

  it('does not expose relationships to tables the role cannot read', async () => {
    const body = await blog.gql(
      '{ article { secret_notes { text } } }',
      asAdmin({ 'x-hasura-role': 'editor', 'x-hasura-tenant': 'acme' }),
    );
    expect(firstError(body).message).toBe("field 'secret_notes' not found in type: 'article'");
    const admin = await blog.gql('{ article_by_pk(id: 1) { secret_notes { text } } }', asAdmin());
    expect(admin.data).toEqual({ article_by_pk: { secret_notes: [{ text: 'shh' }] } });
  });
});
