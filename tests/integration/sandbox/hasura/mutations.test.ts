import { asAdmin, firstError, type Harness, startRepoAndBlog } from './helpers';

let repo: Harness;
let blog: Harness;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ repo, blog, close } = await startRepoAndBlog());
  await blog.db.exec(`
    INSERT INTO public.author (id, name, tenant) VALUES (1, 'ann', 'acme'), (2, 'dan', 'other');
    SELECT setval('author_id_seq', 10);
  `);
});

afterAll(() => close());

const count = async (h: Harness, sql: string) =>
  Number((await h.db.query<{ n: number }>(`SELECT (${sql})::int AS n`)).rows[0]?.n);

describe('insert', () => {
  it('inserts rows and returns affected_rows and returning, relationships included', async () => {
    const body = await repo.gql(
      `mutation {
        insert_user(objects: [{email: "ins1@example.com", password_hash: "h"}, {email: "ins2@example.com", password_hash: "h"}]) {
          affected_rows
          returning { email }
        }
      }`,
      asAdmin(),
    );
    expect(body).toEqual({
      data: {
        insert_user: {
          affected_rows: 2,
          returning: [{ email: 'ins1@example.com' }, { email: 'ins2@example.com' }],
        },
      },
    });
  });

  it('inserts one row with insert_one and uses column defaults', async () => {
    const owner = await repo.gql(
      'mutation { insert_user_one(object: {email: "owner@example.com", password_hash: "h"}) { id } }',
      asAdmin(),
    );
    const ownerId = (owner.data?.insert_user_one as { id: number } | undefined)?.id;
    const body = await repo.gql(
      'mutation ($o: project_insert_input!) { insert_project_one(object: $o) { name status user { email } } }',
      asAdmin(),
      { o: { owner_id: ownerId, name: 'first', slot: 1 } },
    );
    expect(body.data).toEqual({
      insert_project_one: { name: 'first', status: 'CREATING', user: { email: 'owner@example.com' } },
    });
  });

  it('does nothing on conflict with update_columns: [] and insert_one then returns null', async () => {
    const insert = `mutation { insert_user_one(object: {email: "dup@example.com", password_hash: "first"},
      on_conflict: {constraint: user_email_key, update_columns: []}) { id } }`;
    const first = await repo.gql(insert, asAdmin());
    expect(first.data?.insert_user_one).toEqual({ id: expect.any(Number) });
    expect(await repo.gql(insert, asAdmin())).toEqual({ data: { insert_user_one: null } });
  });

  it('updates the listed columns on conflict (upsert), honouring the where clause', async () => {
    await repo.gql(
      'mutation { insert_user_one(object: {email: "up@example.com", password_hash: "old"}) { id } }',
      asAdmin(),
    );
    const upsert = (where: string) =>
      repo.gql(
        `mutation { insert_user(objects: [{email: "up@example.com", password_hash: "new"}],
          on_conflict: {constraint: user_email_key, update_columns: [password_hash], where: ${where}}) { affected_rows returning { password_hash } } }`,
        asAdmin(),
      );
    expect((await upsert('{password_hash: {_eq: "nope"}}')).data).toEqual({
      insert_user: { affected_rows: 0, returning: [] },
    });
    expect((await upsert('{password_hash: {_eq: "old"}}')).data).toEqual({
      insert_user: { affected_rows: 1, returning: [{ password_hash: 'new' }] },
    });
  });
});

describe('update and delete', () => {
  it('updates with _set and _inc and returns the changed rows', async () => {
    await blog.db.exec(`INSERT INTO public.author (id, name, tenant, score) VALUES (5, 'upd', 'acme', 7)`);
    const body = await blog.gql(
      'mutation { update_author(where: {id: {_eq: 5}}, _set: {name: "updated"}, _inc: {score: 3}) { affected_rows returning { name score } } }',
      asAdmin(),
    );
    expect(body.data).toEqual({
      update_author: { affected_rows: 1, returning: [{ name: 'updated', score: 10 }] },
    });
    const byPk = await blog.gql(
      'mutation { update_author_by_pk(pk_columns: {id: 5}, _inc: {score: -1}) { score } }',
      asAdmin(),
    );
    expect(byPk.data).toEqual({ update_author_by_pk: { score: 9 } });
    const missing = await blog.gql(
      'mutation { update_author_by_pk(pk_columns: {id: 999}, _set: {name: "x"}) { id } }',
      asAdmin(),
    );
    expect(missing.data).toEqual({ update_author_by_pk: null });
  });

  it('requires an update operator and refuses a column in two operators', async () => {
    const none = await blog.gql(
      'mutation { update_author(where: {id: {_eq: 1}}) { affected_rows } }',
      asAdmin(),
    );
    expect(firstError(none)).toEqual({
      message: 'At least any one of _set, _inc is expected',
      extensions: { path: '$.selectionSet.update_author.args', code: 'validation-failed' },
    });
    const both = await blog.gql(
      'mutation { update_author(where: {id: {_eq: 1}}, _set: {score: 1}, _inc: {score: 1}) { affected_rows } }',
      asAdmin(),
    );
    expect(firstError(both).message).toBe('column found in multiple operators; "score" in _set, _inc');
  });

  it('deletes with a where clause or by primary key', async () => {
    await blog.db.exec(
      `INSERT INTO public.author (id, name, tenant) VALUES (6, 'del1', 't'), (7, 'del2', 't')`,
    );
    const many = await blog.gql(
      'mutation { delete_author(where: {id: {_eq: 6}}) { affected_rows returning { name } } }',
      asAdmin(),
    );
    expect(many.data).toEqual({ delete_author: { affected_rows: 1, returning: [{ name: 'del1' }] } });
    const one = await blog.gql('mutation { delete_author_by_pk(id: 7) { id name } }', asAdmin());
    expect(one.data).toEqual({ delete_author_by_pk: { id: 7, name: 'del2' } });
    expect(await count(blog, `SELECT count(*) FROM public.author WHERE tenant = 't'`)).toBe(0);
  });
});

describe('transactions', () => {
  it('runs all root fields of a mutation in order, in one transaction', async () => {
    const body = await blog.gql(
      `mutation {
        a: insert_author_one(object: {id: 20, name: "tx-a", tenant: "tx"}) { id }
        b: update_author(where: {name: {_eq: "tx-a"}}, _set: {score: 5}) { affected_rows }
      }`,
      asAdmin(),
    );
    expect(body.data).toEqual({ a: { id: 20 }, b: { affected_rows: 1 } });

    const failing = await blog.gql(
      `mutation {
        a: insert_author_one(object: {id: 21, name: "tx-b", tenant: "tx"}) { id }
        b: insert_author_one(object: {id: 22, name: "tx-a", tenant: "tx"}) { id }
      }`,
      asAdmin(),
    );
    expect(firstError(failing).extensions.code).toBe('constraint-violation');
    expect(failing.data).toBeUndefined();
    expect(await count(blog, `SELECT count(*) FROM public.author WHERE id = 21`)).toBe(0);
  });
});

describe('constraint violations', () => {
  it('reports a unique violation with Hasura prefix, code and path', async () => {
    await repo.gql(
      'mutation { insert_user_one(object: {email: "uniq@example.com", password_hash: "h"}) { id } }',
      asAdmin(),
    );
    const body = await repo.gql(
      'mutation { insert_user(objects: [{email: "uniq@example.com", password_hash: "h"}]) { affected_rows } }',
      asAdmin(),
    );
    expect(body).toEqual({
      errors: [
        {
          message: 'Uniqueness violation. duplicate key value violates unique constraint "user_email_key"',
          extensions: expect.objectContaining({
            path: '$.selectionSet.insert_user.args.objects',
            code: 'constraint-violation',
          }),
        },
      ],
    });
  });

  it('reports foreign key and not-null violations', async () => {
    const fk = await repo.gql(
      'mutation { insert_project_one(object: {owner_id: 424242, name: "x", slot: 1}) { id } }',
      asAdmin(),
    );
    expect(firstError(fk)).toEqual({
      message:
        'Foreign key violation. insert or update on table "project" violates foreign key constraint "project_owner_id_fkey"',
      extensions: expect.objectContaining({
        path: '$.selectionSet.insert_project_one.args.object',
        code: 'constraint-violation',
      }),
    });
    const notNull = await repo.gql(
      'mutation { insert_account_ticket_one(object: {email: "nn@example.com", purpose: "verify-email", expires_at: "2030-01-01T00:00:00Z"}) { id } }',
      asAdmin(),
    );
    expect(firstError(notNull).message).toBe(
      'Not-NULL violation. null value in column "token_hash" of relation "account_ticket" violates not-null constraint',
    );
    expect(firstError(notNull).extensions.code).toBe('constraint-violation');
  });

  it('reports a check constraint violation as permission-error', async () => {
    const body = await repo.gql(
      'mutation { insert_user_one(object: {email: "NotLower@example.com", password_hash: "h"}) { id } }',
      asAdmin(),
    );
    expect(firstError(body)).toEqual({
      message:
        'Check constraint violation. new row for relation "user" violates check constraint "user_email_normalized"',
      extensions: expect.objectContaining({ code: 'permission-error' }),
    });
  });

  it('shows PostgreSQL details in extensions.internal to admin only', async () => {
    const insert = 'mutation { insert_project_one(object: {owner_id: 424242, name: "x", slot: 1}) { id } }';
    expect(firstError(await repo.gql(insert, asAdmin())).extensions.internal).toBeDefined();
    const asService = await blog.gql(
      'mutation { insert_author(objects: [{name: "ann", tenant: "acme"}]) { affected_rows } }',
      asAdmin({ 'x-hasura-role': 'service', 'x-hasura-use-backend-only-permissions': 'true' }),
    );
    expect(firstError(asService)).toEqual({
      message: 'Uniqueness violation. duplicate key value violates unique constraint "author_name_key"',
      extensions: { path: '$.selectionSet.insert_author.args.objects', code: 'constraint-violation' },
    });
  });
});

describe('insert, update and delete permissions', () => {
  const editor = (tenant = 'acme') => asAdmin({ 'x-hasura-role': 'editor', 'x-hasura-tenant': tenant });

  it('applies insert presets and the insert check', async () => {
    const ok = await blog.gql(
      'mutation { insert_article_one(object: {title: "mine", author_id: 1}) { title published } }',
      editor(),
    );
    expect(ok.data).toEqual({ insert_article_one: { title: 'mine', published: false } });
    const denied = await blog.gql(
      'mutation { insert_article(objects: [{title: "theirs", author_id: 2}]) { affected_rows } }',
      editor(),
    );
    expect(denied).toEqual({
      errors: [
        {
          message: 'check constraint of an insert/update permission has failed',
          extensions: { path: '$.selectionSet.insert_article.args.objects', code: 'permission-error' },
        },
      ],
    });
    expect(await count(blog, `SELECT count(*) FROM public.article WHERE title = 'theirs'`)).toBe(0);
  });

  it('refuses columns outside the insert permission', async () => {
    const body = await blog.gql(
      'mutation { insert_article_one(object: {title: "x", author_id: 1, published: true}) { id } }',
      editor(),
    );
    expect(firstError(body)).toEqual({
      message: "field 'published' not found in type: 'article_insert_input'",
      extensions: {
        path: '$.selectionSet.insert_article_one.args.object.published',
        code: 'validation-failed',
      },
    });
  });

  it('updates only rows passing the filter and enforces the update check', async () => {
    await blog.db.exec(
      `INSERT INTO public.article (id, author_id, title) VALUES (100, 1, 'acme-post'), (101, 2, 'other-post')`,
    );
    const update = await blog.gql(
      'mutation { update_article(where: {id: {_in: [100, 101]}}, _set: {title: "renamed"}) { affected_rows } }',
      editor(),
    );
    expect(update.data).toEqual({ update_article: { affected_rows: 1 } });
    const forbidden = await blog.gql(
      'mutation { update_article_by_pk(pk_columns: {id: 100}, _set: {title: "forbidden"}) { id } }',
      editor(),
    );
    expect(firstError(forbidden).message).toBe('check constraint of an insert/update permission has failed');
    expect(await count(blog, `SELECT count(*) FROM public.article WHERE title = 'forbidden'`)).toBe(0);
  });

  it('deletes only rows passing the delete filter', async () => {
    await blog.db.exec(
      `INSERT INTO public.article (id, author_id, title, published) VALUES (110, 1, 'pub', true), (111, 1, 'unpub', false)`,
    );
    const body = await blog.gql(
      'mutation { delete_article(where: {id: {_in: [110, 111]}}) { affected_rows returning { id } } }',
      editor(),
    );
    expect(body.data).toEqual({ delete_article: { affected_rows: 1, returning: [{ id: 111 }] } });
  });

  it('allows backend_only permissions only with the admin secret and the backend-only header', async () => {
    const insert = 'mutation { insert_author(objects: [{name: "svc", tenant: "acme"}]) { affected_rows } }';
    const without = await blog.gql(insert, asAdmin({ 'x-hasura-role': 'service' }));
    // The role has no other mutation, so without the header there is no mutation_root at all.
    expect(firstError(without)).toEqual({
      message: 'no mutations exist',
      extensions: { path: '$', code: 'validation-failed' },
    });
    const withHeader = await blog.gql(
      insert,
      asAdmin({ 'x-hasura-role': 'service', 'x-hasura-use-backend-only-permissions': 'true' }),
    );
    expect(withHeader.data).toEqual({ insert_author: { affected_rows: 1 } });
  });

  it('refuses mutations to a role without any', async () => {
    const body = await repo.gql(
      'mutation { delete_project(where: {}) { affected_rows } }',
      asAdmin({ 'x-hasura-role': 'user', 'x-hasura-user-id': '1' }),
    );
    expect(firstError(body)).toEqual({
      message: "field 'delete_project' not found in type: 'mutation_root'",
      extensions: { path: '$.selectionSet.delete_project', code: 'validation-failed' },
    });
  });
});
