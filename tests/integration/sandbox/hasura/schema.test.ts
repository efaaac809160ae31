import {
  type GraphQLEnumType,
  type GraphQLField,
  type GraphQLInputObjectType,
  type GraphQLObjectType,
  type GraphQLSchema,
  parse,
  validate,
} from 'graphql';
import { type Harness, startRepoAndBlog } from './helpers';

let repo: Harness;
let blog: Harness;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ repo, blog, close } = await startRepoAndBlog());
});

afterAll(() => close());

const rootFields = (type: GraphQLObjectType | null | undefined) =>
  Object.keys(type?.getFields() ?? {}).sort();
const field = (schema: GraphQLSchema, type: string, name: string) =>
  (schema.getType(type) as GraphQLObjectType).getFields()[name] as GraphQLField<unknown, unknown>;
const fieldType = (schema: GraphQLSchema, type: string, name: string) =>
  field(schema, type, name).type.toString();

describe('root fields generated for tracked tables', () => {
  it('gives admin every root field Hasura generates, named as Hasura names them', () => {
    const schema = repo.engine.schemaFor('admin');
    const query = rootFields(schema.getQueryType());
    const mutation = rootFields(schema.getMutationType());
    for (const t of ['user', 'project', 'refresh_token', 'rate_limit_hit']) {
      expect(query).toEqual(expect.arrayContaining([t, `${t}_by_pk`, `${t}_aggregate`]));
      expect(mutation).toEqual(
        expect.arrayContaining([
          `insert_${t}`,
          `insert_${t}_one`,
          `update_${t}`,
          `update_${t}_by_pk`,
          `delete_${t}`,
          `delete_${t}_by_pk`,
        ]),
      );
    }
    expect(field(schema, 'query_root', 'user').args.map((a) => a.name)).toEqual([
      'distinct_on',
      'limit',
      'offset',
      'order_by',
      'where',
    ]);
    expect(fieldType(schema, 'query_root', 'user')).toBe('[user!]!');
    expect(fieldType(schema, 'query_root', 'user_by_pk')).toBe('user');
    expect(fieldType(schema, 'mutation_root', 'insert_user')).toBe('user_mutation_response');
    expect(field(schema, 'mutation_root', 'insert_user_one').args.map((a) => `${a.name}: ${a.type}`)).toEqual(
      ['object: user_insert_input!', 'on_conflict: user_on_conflict'],
    );
    expect(
      field(schema, 'mutation_root', 'update_user_by_pk').args.map((a) => `${a.name}: ${a.type}`),
    ).toEqual(['_inc: user_inc_input', '_set: user_set_input', 'pk_columns: user_pk_columns_input!']);
    expect(field(schema, 'mutation_root', 'delete_user').args.map((a) => `${a.name}: ${a.type}`)).toEqual([
      'where: user_bool_exp!',
    ]);
  });

  it('maps column types to the scalars Hasura uses', () => {
    const schema = repo.engine.schemaFor('admin');
    expect(fieldType(schema, 'user', 'id')).toBe('Int!');
    expect(fieldType(schema, 'user', 'email')).toBe('String!');
    expect(fieldType(schema, 'user', 'created_at')).toBe('timestamptz!');
    expect(fieldType(schema, 'project', 'slot')).toBe('smallint!');
    expect(fieldType(schema, 'project', 'url')).toBe('String');
    expect(fieldType(schema, 'rate_limit_hit', 'id')).toBe('bigint!');
    expect(fieldType(schema, 'refresh_token', 'id')).toBe('uuid!');
    expect(fieldType(schema, 'refresh_token', 'revoked_at')).toBe('timestamptz');
    const stringOps = Object.keys(
      (schema.getType('String_comparison_exp') as GraphQLInputObjectType).getFields(),
    );
    expect(stringOps).toEqual(
      expect.arrayContaining(['_eq', '_neq', '_in', '_nin', '_gt', '_lt', '_is_null', '_like', '_ilike']),
    );
  });

  it('types relationships: non-null over NOT NULL foreign keys, lists for array relationships', () => {
    const schema = repo.engine.schemaFor('admin');
    expect(fieldType(schema, 'refresh_token', 'user')).toBe('user!');
    // owner_id is nullable: a project being deleted outlives its owner's account.
    expect(fieldType(schema, 'project', 'user')).toBe('user');
    const blogSchema = blog.engine.schemaFor('admin');
    expect(fieldType(blogSchema, 'author', 'articles')).toBe('[article!]!');
    expect(fieldType(blogSchema, 'author', 'articles_aggregate')).toBe('article_aggregate!');
    const articleAuthor = field(blog.engine.schemaFor('admin'), 'article', 'author');
    expect(articleAuthor.type.toString()).toBe('author');
  });

  it('lists unique and primary key constraints in <table>_constraint', () => {
    const schema = repo.engine.schemaFor('admin');
    const values = (name: string) =>
      (schema.getType(name) as GraphQLEnumType)
        .getValues()
        .map((v) => v.name)
        .sort();
    expect(values('user_constraint')).toEqual(['user_email_key', 'user_pkey']);
    expect(values('project_constraint')).toEqual(['project_owner_id_slot_key', 'project_pkey']);
  });

  it('applies custom table, column and root field names', () => {
    const schema = blog.engine.schemaFor('admin');
    expect(rootFields(schema.getQueryType())).toEqual(
      expect.arrayContaining(['note', 'noteById', 'note_aggregate']),
    );
    expect(Object.keys((schema.getType('note') as GraphQLObjectType).getFields())).toEqual([
      'id',
      'article_id',
      'text',
    ]);
  });
});

describe('what a role sees', () => {
  it('shows role user only its select fields and its actions', () => {
    const schema = repo.engine.schemaFor('user');
    expect(rootFields(schema.getQueryType())).toEqual([
      'ProjectStatus',
      'domain',
      'domain_by_pk',
      'project',
      'project_by_pk',
      'user',
      'user_by_pk',
    ]);
    expect(rootFields(schema.getMutationType())).toEqual([
      'AddDomain',
      'ChangePassword',
      'ClaimConsole',
      'CreateProject',
      'DeleteAccount',
      'DeleteProject',
      'RefreshToken',
      'RemoveDomain',
      'RequestPasswordReset',
      'ResendVerificationEmail',
      'ResetPassword',
      'SetPrimaryDomain',
      'Signin',
      'Signout',
      'Signup',
      'StartProject',
      'StopProject',
      'VerifyEmail',
    ]);
    expect(Object.keys((schema.getType('user') as GraphQLObjectType).getFields())).toEqual([
      'id',
      'email',
      'created_at',
      'email_verified',
    ]);
    expect(Object.keys((schema.getType('project') as GraphQLObjectType).getFields())).not.toContain(
      'qovery_environment_id',
    );
    // A domain's own fields, and no way back to its project (project.domains is the way in).
    const domainFields = Object.keys((schema.getType('domain') as GraphQLObjectType).getFields());
    expect(domainFields).toContain('dns_target');
    expect(domainFields).not.toEqual(expect.arrayContaining(['project', 'qovery_domain_id', 'owner_id']));
  });

  it('gives the anonymous role only no_queries_available and its actions', () => {
    const schema = repo.engine.schemaFor('anonymous');
    expect(rootFields(schema.getQueryType())).toEqual(['no_queries_available']);
    expect(rootFields(schema.getMutationType())).toEqual([
      'RefreshToken',
      'RequestPasswordReset',
      'ResendVerificationEmail',
      'ResetPassword',
      'Signin',
      'Signout',
      'Signup',
      'VerifyEmail',
    ]);
  });

  it('derives mutation root fields and inputs from insert/update/delete permissions', () => {
    const schema = blog.engine.schemaFor('editor');
    expect(rootFields(schema.getMutationType())).toEqual(
      expect.arrayContaining([
        'insert_article',
        'insert_article_one',
        'update_article',
        'update_article_by_pk',
        'delete_article',
      ]),
    );
    expect(rootFields(schema.getMutationType())).not.toContain('insert_author');
    expect(
      Object.keys((schema.getType('article_insert_input') as GraphQLInputObjectType).getFields()),
    ).toEqual(['author_id', 'title', 'rating']);
    expect(Object.keys((schema.getType('article_set_input') as GraphQLInputObjectType).getFields())).toEqual([
      'title',
      'published',
      'rating',
    ]);
    expect(rootFields(schema.getQueryType())).toEqual(expect.arrayContaining(['author_aggregate']));
    expect(rootFields(schema.getQueryType())).not.toContain('note');
    expect(Object.keys((schema.getType('article') as GraphQLObjectType).getFields())).not.toContain(
      'secret_notes',
    );
  });

  it('keeps backend_only permissions for requests that ask for them with the admin secret', () => {
    expect(rootFields(blog.engine.schemaFor('service').getMutationType())).not.toContain('insert_author');
  });
});

describe('validating documents against the admin schema', () => {
  it('accepts a handler-style document and rejects a wrong one', () => {
    const schema = repo.engine.schemaFor('admin');
    const good = parse(`
      mutation InsertProject($object: project_insert_input!) {
        insert_project_one(object: $object, on_conflict: {constraint: project_owner_id_slot_key, update_columns: []}) { id name }
      }
      query Projects($ownerId: Int!) { project(where: {owner_id: {_eq: $ownerId}}, order_by: [{id: asc}]) { id status user { email } } }
    `);
    expect(validate(schema, good)).toEqual([]);
    expect(validate(schema, parse('{ project { nope } }'))).toHaveLength(1);
  });
});
