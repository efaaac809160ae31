import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createHasuraEngine,
  type HasuraStandIn,
  loadProject,
  startHasuraStandIn,
} from '../../../../sandbox/hasura';
import { openDatabase } from '../../../../sandbox/hasura/database';
import { ADMIN_SECRET, BLOG_PROJECT, baseEnv, REPO_PROJECT } from './helpers';

describe('the project loader', () => {
  it('reads tables, relationships, permissions and actions through !include', () => {
    const project = loadProject(REPO_PROJECT);
    expect(project.tables.map((t) => t.table.name)).toEqual([
      'account_address',
      'account_ticket',
      'domain',
      'instance_queue_op',
      'instance_queue_owner',
      'instance_task',
      'instance_template',
      'project',
      'qovery_budget',
      'qovery_budget_draw',
      'qovery_budget_minute',
      'rate_limit',
      'rate_limit_hit',
      'refresh_token',
      'user',
    ]);
    expect(project.tables.find((t) => t.table.name === 'project')?.relationships).toEqual([
      { name: 'user', type: 'object', using: { foreignKey: { kind: 'local', columns: ['owner_id'] } } },
      {
        name: 'domains',
        type: 'array',
        using: {
          foreignKey: {
            kind: 'remote',
            table: { schema: 'public', name: 'domain' },
            columns: ['project_id'],
          },
        },
      },
    ]);
    const blogAuthor = loadProject(BLOG_PROJECT).tables.find((t) => t.table.name === 'author');
    expect(blogAuthor?.relationships).toEqual([
      {
        name: 'articles',
        type: 'array',
        using: {
          foreignKey: {
            kind: 'remote',
            table: { schema: 'public', name: 'article' },
            columns: ['author_id'],
          },
        },
      },
    ]);
    const user = project.tables.find((t) => t.table.name === 'user');
    expect(user?.select.get('user')?.columns).toEqual(['created_at', 'email', 'email_verified', 'id']);
    const createProject = project.actions.find((a) => a.name === 'CreateProject');
    expect(createProject).toMatchObject({
      type: 'mutation',
      handler: '{{ACTIONS_BASE_URL}}/create-project',
      forwardClientHeaders: false,
      headers: [{ name: 'x-actions-secret', valueFromEnv: 'ACTIONS_SECRET' }],
      timeoutSeconds: 30,
      roles: ['user'],
    });
    expect(project.actions.find((a) => a.name === 'ProjectStatus')?.type).toBe('query');
  });

  it("takes each action's root type from actions.graphql, whatever `type:` actions.yaml says (as the CLI)", () => {
    withProjectCopy((dir) => {
      const file = join(dir, 'metadata', 'actions.yaml');
      const yaml = readFileSync(file, 'utf8').replace(
        "handler: '{{ACTIONS_BASE_URL}}/project-status'",
        "type: mutation\n      handler: '{{ACTIONS_BASE_URL}}/project-status'",
      );
      expect(yaml).toContain('type: mutation');
      writeFileSync(file, yaml);
      expect(loadProject(dir).actions.find((a) => a.name === 'ProjectStatus')?.type).toBe('query');
    });
  });

  it('refuses an action of actions.yaml that actions.graphql does not define', () => {
    withProjectCopy((dir) => {
      const file = join(dir, 'metadata', 'actions.graphql');
      writeFileSync(file, readFileSync(file, 'utf8').replace(/type Query \{[^}]*\}/, ''));
      expect(() => loadProject(dir)).toThrow('action ProjectStatus is not present in actions.graphql');
    });
  });

  it('refuses graphql_schema_introspection.yaml without disabled_for_roles, as Hasura does', () => {
    withProjectCopy((dir) => {
      writeFileSync(join(dir, 'metadata', 'graphql_schema_introspection.yaml'), '{}\n');
      expect(() => loadProject(dir)).toThrow('"disabled_for_roles" not found');
    });
  });

  it('lists migrations in version order', () => {
    expect(loadProject(BLOG_PROJECT).migrations.map((m) => `${m.version}_${m.name}`)).toEqual([
      '1700000000000_blog',
      '1700000000001_notes',
    ]);
  });
});

/** Runs `check` on a throw-away copy of the repository's Hasura project. */
function withProjectCopy(check: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'hasura-project-'));
  try {
    cpSync(REPO_PROJECT, dir, { recursive: true });
    check(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('handler templates', () => {
  it('are resolved once, when the metadata loads', async () => {
    const db = await openDatabase({ migrations: loadProject(REPO_PROJECT).migrations });
    try {
      const env = baseEnv({ ACTIONS_BASE_URL: 'http://127.0.0.1:7001' });
      const engine = await createHasuraEngine({ projectDir: REPO_PROJECT, db, env });
      env.ACTIONS_BASE_URL = 'http://127.0.0.1:7002';
      expect(engine.model.actions.find((a) => a.name === 'Signup')?.handler).toBe(
        'http://127.0.0.1:7001/signup',
      );
    } finally {
      await db.close();
    }
  });

  it('refuse to start without their variable, naming it (real Hasura would drop every action)', async () => {
    const db = await openDatabase({ migrations: loadProject(REPO_PROJECT).migrations });
    try {
      await expect(
        createHasuraEngine({ projectDir: REPO_PROJECT, db, env: baseEnv({ ACTIONS_BASE_URL: undefined }) }),
      ).rejects.toThrow(/environment variable 'ACTIONS_BASE_URL' not set \(Signup, Signin/);
    } finally {
      await db.close();
    }
  });
});

describe('startHasuraStandIn', () => {
  let standIn: HasuraStandIn;

  beforeAll(async () => {
    standIn = await startHasuraStandIn({ projectDir: REPO_PROJECT, env: baseEnv() });
  });

  afterAll(() => standIn.close());

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(standIn.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  it('listens on 127.0.0.1 and answers GET /healthz with 200 OK', async () => {
    expect(standIn.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(`${standIn.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('OK');
  });

  it('serves POST /v1/graphql and answers errors with HTTP 200', async () => {
    const ok = await post({ query: '{ user { id } }' }, { 'x-hasura-admin-secret': ADMIN_SECRET });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ data: { user: [] } });
    const denied = await post({ query: '{ user { id } }' }, { 'x-hasura-admin-secret': 'wrong' });
    expect(denied.status).toBe(200);
    expect(await denied.json()).toEqual({
      errors: [
        {
          message: 'invalid x-hasura-admin-secret/x-hasura-access-key',
          extensions: { path: '$', code: 'access-denied' },
        },
      ],
    });
  });

  it('answers batched requests with a list', async () => {
    const response = await post([{ query: '{ a: __typename }' }, { query: 'mutation { b: __typename }' }], {
      'x-hasura-admin-secret': ADMIN_SECRET,
    });
    expect(await response.json()).toEqual([{ data: { a: 'query_root' } }, { data: { b: 'mutation_root' } }]);
  });

  it('exposes the database for seeding', async () => {
    await standIn.db.exec(
      `INSERT INTO public."user" (email, password_hash) VALUES ('seed@example.com', 'h')`,
    );
    const response = await post({ query: '{ user { email } }' }, { 'x-hasura-admin-secret': ADMIN_SECRET });
    expect(await response.json()).toEqual({ data: { user: [{ email: 'seed@example.com' }] } });
  });

  it('answers unknown paths with 404', async () => {
    const response = await fetch(`${standIn.url}/v2/query`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(404);
  });
});

describe('an on-disk database', () => {
  it('is migrated once and keeps its data across restarts', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hasura-stand-in-test-'));
    try {
      const first = await startHasuraStandIn({ projectDir: BLOG_PROJECT, dataDir, env: baseEnv() });
      await first.db.exec(`INSERT INTO public.author (name, tenant) VALUES ('kept', 'acme')`);
      await first.close();
      const second = await startHasuraStandIn({ projectDir: BLOG_PROJECT, dataDir, env: baseEnv() });
      try {
        const versions = await second.db.query<{ version: string }>(
          'SELECT version::text AS version FROM hdb_catalog.schema_migrations ORDER BY version',
        );
        expect(versions.rows.map((r) => r.version)).toEqual(['1700000000000', '1700000000001']);
        const authors = await second.db.query<{ name: string }>('SELECT name FROM public.author');
        expect(authors.rows).toEqual([{ name: 'kept' }]);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
