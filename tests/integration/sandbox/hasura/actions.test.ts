import { createHasuraEngine } from '../../../../sandbox/hasura';
import {
  ACTIONS_SECRET,
  asAdmin,
  BLOG_PROJECT,
  baseEnv,
  bearer,
  type FakeHandler,
  firstError,
  type Harness,
  REPO_PROJECT,
  startFakeHandler,
  startHarness,
  userToken,
} from './helpers';

let handler: FakeHandler;
let repo: Harness;
let blog: Harness;

beforeAll(async () => {
  handler = await startFakeHandler();
  [repo, blog] = await Promise.all([
    startHarness(REPO_PROJECT, baseEnv({ ACTIONS_BASE_URL: handler.url })),
    startHarness(BLOG_PROJECT, baseEnv({ HANDLER_URL: handler.url, ECHO_SECRET: 'echo-secret' })),
  ]);
});

afterAll(async () => {
  await Promise.all([repo.close(), blog.close(), handler.close()]);
});

beforeEach(() => {
  handler.requests.length = 0;
  handler.reply({ status: 200, body: {} });
});

const CREATE = 'mutation Create($name: String!) { CreateProject(input: {name: $name}) { id name url } }';
const lastRequest = () => {
  const request = handler.requests.at(-1);
  if (!request) throw new Error('the handler was not called');
  return request;
};

describe('calling the handler', () => {
  it('POSTs the action payload with the session variables to the resolved handler URL', async () => {
    handler.reply({ status: 200, body: { id: 7, name: 'mine', url: 'https://mine.example' } });
    const body = await repo.gql(CREATE, bearer(userToken(42)), { name: 'mine' });
    expect(body).toEqual({ data: { CreateProject: { id: 7, name: 'mine', url: 'https://mine.example' } } });
    const request = lastRequest();
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/create-project');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.json).toEqual({
      action: { name: 'CreateProject' },
      input: { input: { name: 'mine' } },
      session_variables: { 'x-hasura-role': 'user', 'x-hasura-user-id': '42' },
      request_query: CREATE,
    });
  });

  it('sends the configured shared-secret header (value_from_env)', async () => {
    handler.reply({ status: 200, body: { id: 1, name: 'n', url: 'u' } });
    await repo.gql(CREATE, bearer(userToken(1)), { name: 'n' });
    expect(lastRequest().headers['x-actions-secret']).toBe(ACTIONS_SECRET);
  });

  it('does not forward client headers when forward_client_headers is false', async () => {
    handler.reply({ status: 200, body: { id: 1, name: 'n', url: 'u' } });
    await repo.gql(
      CREATE,
      { ...bearer(userToken(1)), 'x-custom': 'client-value', cookie: 'a=b' },
      { name: 'n' },
    );
    const headers = lastRequest().headers;
    expect(headers.authorization).toBeUndefined();
    expect(headers['x-custom']).toBeUndefined();
    expect(headers.cookie).toBeUndefined();
  });

  it('forwards client headers minus x-hasura-* and the ignored ones when forward_client_headers is true', async () => {
    handler.reply({ status: 200, body: { ok: true } });
    await blog.gql(
      'mutation { Echo(input: {message: "hi"}) { ok } }',
      asAdmin({
        'x-hasura-role': 'editor',
        'x-custom': 'client-value',
        'user-agent': 'test-agent',
        accept: 'text/html',
      }),
    );
    const headers = lastRequest().headers;
    expect(headers['x-custom']).toBe('client-value');
    expect(headers['x-forwarded-user-agent']).toBe('test-agent');
    expect(headers['x-static']).toBe('static-value');
    expect(headers['x-from-env']).toBe('echo-secret');
    expect(headers['content-type']).toBe('application/json');
    expect(Object.keys(headers).filter((h) => h.startsWith('x-hasura-'))).toEqual([]);
    expect(headers.accept).toBeUndefined();
    expect(headers['user-agent']).toMatch(/^hasura-graphql-engine\//);
  });

  it('passes the session variables of the unauthorized role, keys lower-cased', async () => {
    handler.reply({ status: 200, body: { accessToken: 'a', refreshToken: 'r' } });
    await repo.gql('mutation { Signup(input: {email: "e@example.com", password: "p"}) { accessToken } }', {
      'X-Hasura-Client': 'web',
    });
    expect(lastRequest().json.session_variables).toEqual({
      'x-hasura-role': 'anonymous',
      'x-hasura-client': 'web',
    });
  });

  it('runs query actions from query_root', async () => {
    handler.reply({ status: 200, body: { id: 3, status: 'RUNNING', url: null } });
    const body = await repo.gql(
      'query { ProjectStatus(input: {id: 3}) { id status url } }',
      bearer(userToken(1)),
    );
    expect(body).toEqual({ data: { ProjectStatus: { id: 3, status: 'RUNNING', url: null } } });
    expect(lastRequest().url).toBe('/project-status');
  });
});

describe('mutations mixing actions and tables', () => {
  it('runs the root fields in order, each database field in its own transaction', async () => {
    handler.reply({ status: 200, body: { ok: true } });
    const body = await repo.gql(
      `mutation {
        before: insert_user_one(object: {email: "mixed@example.com", password_hash: "h"}) { email }
        StartProject(input: {id: 1}) { ok }
        after: update_user(where: {email: {_eq: "mixed@example.com"}}, _set: {password_hash: "h2"}) { affected_rows }
      }`,
      asAdmin(),
    );
    expect(body).toEqual({
      data: {
        before: { email: 'mixed@example.com' },
        StartProject: { ok: true },
        after: { affected_rows: 1 },
      },
    });
    expect(handler.requests).toHaveLength(1);
  });
});

describe('action permissions', () => {
  it('refuses CreateProject to an anonymous caller as if the field did not exist', async () => {
    const body = await repo.gql(CREATE, {}, { name: 'x' });
    expect(body).toEqual({
      errors: [
        {
          message: "field 'CreateProject' not found in type: 'mutation_root'",
          extensions: { path: '$.selectionSet.CreateProject', code: 'validation-failed' },
        },
      ],
    });
    expect(handler.requests).toHaveLength(0);
  });

  it('lets admin call every action', async () => {
    handler.reply({ status: 200, body: { ok: true } });
    expect((await repo.gql('mutation { StartProject(input: {id: 1}) { ok } }', asAdmin())).data).toEqual({
      StartProject: { ok: true },
    });
    expect(lastRequest().json.session_variables).toEqual({ 'x-hasura-role': 'admin' });
  });
});

describe('the handler answer', () => {
  it('applies the client selection: aliases, __typename, nested objects; extra fields ignored', async () => {
    handler.reply({
      status: 200,
      body: {
        ok: true,
        message: 'm',
        unknown: 'ignored',
        nested: { label: 'l', extra: 'e' },
        items: [{ label: 'a' }, { label: 'b', extra: 'x' }],
      },
    });
    const body = await blog.gql(
      'mutation { Echo(input: {message: "hi"}) { done: ok __typename nested { label } items { label extra } } }',
      asAdmin({ 'x-hasura-role': 'editor' }),
    );
    expect(body).toEqual({
      data: {
        Echo: {
          done: true,
          __typename: 'EchoOutput',
          nested: { label: 'l' },
          items: [{ label: 'a' }, { label: 'b', extra: 'x' }],
        },
      },
    });
  });

  it('refuses a 2xx answer missing a non-nullable field with code unexpected', async () => {
    handler.reply({ status: 200, body: { id: 1, name: 'n' } });
    const body = await repo.gql(CREATE, bearer(userToken(1)), { name: 'n' });
    expect(body).toEqual({
      errors: [
        {
          message: 'field "url" expected in webhook response, but not found',
          extensions: { path: '$', code: 'unexpected' },
        },
      ],
    });
  });

  it('refuses null for a non-nullable field', async () => {
    handler.reply({ status: 200, body: { id: 1, name: 'n', url: null } });
    expect(firstError(await repo.gql(CREATE, bearer(userToken(1)), { name: 'n' })).message).toBe(
      'expecting not null value for field "url"',
    );
  });

  it('passes a 4xx message and extensions through verbatim', async () => {
    handler.reply({
      status: 400,
      body: { message: 'Project limit reached', extensions: { code: 'quota-exceeded', limit: 3 } },
    });
    expect(await repo.gql(CREATE, bearer(userToken(1)), { name: 'n' })).toEqual({
      errors: [{ message: 'Project limit reached', extensions: { code: 'quota-exceeded', limit: 3 } }],
    });
  });

  it('accepts a root-level code in a 4xx answer', async () => {
    handler.reply({ status: 404, body: { message: 'No such project', code: 'project-not-found' } });
    expect(await repo.gql(CREATE, bearer(userToken(1)), { name: 'n' })).toEqual({
      errors: [{ message: 'No such project', extensions: { path: '$', code: 'project-not-found' } }],
    });
  });

  it('refuses a 4xx answer without a message', async () => {
    handler.reply({ status: 401, body: { error: 'nope' } });
    expect(firstError(await repo.gql(CREATE, bearer(userToken(1)), { name: 'n' })).extensions.code).toBe(
      'parse-failed',
    );
  });

  it('masks a 5xx answer as internal error, with details for admin only', async () => {
    handler.reply({ status: 500, body: { message: 'Qovery said: secret stack trace' } });
    const asUser = await repo.gql(CREATE, bearer(userToken(1)), { name: 'n' });
    expect(asUser).toEqual({
      errors: [{ message: 'internal error', extensions: { path: '$', code: 'unexpected' } }],
    });
    const asAdminBody = await repo.gql(CREATE, asAdmin(), { name: 'n' });
    expect(firstError(asAdminBody).extensions.internal).toMatchObject({
      error: 'expecting 2xx or 4xx status code, but found 500',
      response: { status: 500 },
    });
  });

  it('refuses a body that is not JSON', async () => {
    handler.reply({ status: 200, raw: '<html>oops</html>' });
    expect(await repo.gql(CREATE, bearer(userToken(1)), { name: 'n' })).toEqual({
      errors: [
        { message: 'not a valid json response from webhook', extensions: { path: '$', code: 'unexpected' } },
      ],
    });
  });

  it('reports a handler that cannot be reached', async () => {
    const unreachable = await createHasuraEngine({
      projectDir: REPO_PROJECT,
      db: repo.db,
      env: baseEnv({ ACTIONS_BASE_URL: 'http://127.0.0.1:1' }),
    });
    const { body } = await unreachable.execute({
      query: CREATE,
      variables: { name: 'n' },
      headers: bearer(userToken(1)),
    });
    expect(body).toEqual({
      errors: [
        { message: 'http exception when calling webhook', extensions: { path: '$', code: 'unexpected' } },
      ],
    });
  });

  it('gives up after the action timeout', async () => {
    handler.reply({ status: 200, body: { done: true }, delayMs: 1500 });
    // The handler would answer `{done: true}` after 1.5 s: the error proves the 1 s timeout cut it.
    const body = await blog.gql('{ Slow { done } }', asAdmin({ 'x-hasura-role': 'editor' }));
    expect(body).toEqual({
      errors: [
        { message: 'http exception when calling webhook', extensions: { path: '$', code: 'unexpected' } },
      ],
    });
  });
});
