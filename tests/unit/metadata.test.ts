import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { Kind, type ObjectTypeDefinitionNode, parse } from 'graphql';
import { parse as parseYaml } from 'yaml';
import { SECRET_HEADER } from '../../lib/action/handler';
import { PROJECT_STATUSES } from '../../lib/instances/status';
import { type BoolExp, loadProject, openDatabase } from '../../sandbox/hasura';
import { METADATA_DIR } from '../helpers/hasura';

/**
 * Hasura cannot run here, so this reads every metadata file the way `hasura metadata apply` would
 * and checks it against the migrations, serverless.yml and the handlers.
 */
const ROOT = resolve(__dirname, '../..');
const project = loadProject(METADATA_DIR);
const metadataDir = join(METADATA_DIR, 'metadata');
const actionsYaml = parseYaml(readFileSync(join(metadataDir, 'actions.yaml'), 'utf8')) as {
  actions: { name: string; definition: { handler: string; type?: string } }[];
  custom_types: {
    input_objects: { name: string }[];
    objects: { name: string }[];
    enums: unknown[];
    scalars: unknown[];
  };
};
const sdl = parse(readFileSync(join(metadataDir, 'actions.graphql'), 'utf8'));
const serverless = parseYaml(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')) as {
  functions: Record<string, { handler: string; events: { httpApi?: { method: string; path: string } }[] }>;
};

const PUBLIC_ACTIONS = [
  'Signup',
  'Signin',
  'RefreshToken',
  'Signout',
  'VerifyEmail',
  'ResendVerificationEmail',
  'RequestPasswordReset',
  'ResetPassword',
];
const PRIVATE_COLUMNS: Record<string, string[]> = {
  user: ['password_hash'],
  refresh_token: ['*'],
  rate_limit: ['*'],
  rate_limit_hit: ['*'],
  account_ticket: ['*'],
};

function rootFields(typeName: 'Mutation' | 'Query') {
  return sdl.definitions
    .filter(
      (d): d is ObjectTypeDefinitionNode =>
        d.kind === Kind.OBJECT_TYPE_DEFINITION && d.name.value === typeName,
    )
    .flatMap((d) => d.fields ?? [])
    .map((f) => f.name.value);
}

function handlerPath(handler: string) {
  const match = /^\{\{ACTIONS_BASE_URL\}\}(\/[a-z-]+)$/.exec(handler);
  if (!match?.[1]) throw new Error(`handler ${handler} does not use {{ACTIONS_BASE_URL}}/<path>`);
  return match[1];
}

/** Every column a boolean expression names, on its own table (relationship paths are left out). */
function columnsIn(expression: BoolExp, relationships: Set<string>): string[] {
  return Object.entries(expression).flatMap(([key, value]) => {
    if (key === '_and' || key === '_or')
      return (value as BoolExp[]).flatMap((e) => columnsIn(e, relationships));
    if (key === '_not') return columnsIn(value as BoolExp, relationships);
    if (key.startsWith('_') || relationships.has(key)) return [];
    return [key];
  });
}

describe('Hasura metadata', () => {
  it('is a metadata v3 directory as `hasura metadata export` writes it', () => {
    expect(parseYaml(readFileSync(join(METADATA_DIR, 'config.yaml'), 'utf8'))).toMatchObject({
      version: 3,
      metadata_directory: 'metadata',
      migrations_directory: 'migrations',
    });
    expect(parseYaml(readFileSync(join(metadataDir, 'version.yaml'), 'utf8'))).toEqual({ version: 3 });
    // Hasura's API refuses `{}` here: disabled_for_roles is required (the CLI writes `[]` at least).
    expect(parseYaml(readFileSync(join(metadataDir, 'graphql_schema_introspection.yaml'), 'utf8'))).toEqual({
      disabled_for_roles: expect.any(Array),
    });
    for (const file of [
      'actions.graphql',
      'actions.yaml',
      'databases/databases.yaml',
      'databases/default/tables/tables.yaml',
    ])
      expect(existsSync(join(metadataDir, file))).toBe(true);
  });

  it('declares the same actions in actions.graphql and actions.yaml, as mutations or queries alike', () => {
    const declared = actionsYaml.actions.map((a) => a.name).sort();
    expect([...rootFields('Mutation'), ...rootFields('Query')].sort()).toEqual(declared);
    // `hasura metadata apply` takes query/mutation from the root type in actions.graphql and
    // `hasura metadata export` writes no `type:`: one source of truth, as the CLI keeps it.
    expect(actionsYaml.actions.filter((a) => a.definition.type !== undefined).map((a) => a.name)).toEqual([]);
    for (const name of ['Signup', 'Signin', 'CreateProject', 'StartProject', 'StopProject', 'DeleteProject'])
      expect(rootFields('Mutation')).toContain(name);
  });

  it('lists in custom_types exactly the types actions.graphql defines', () => {
    const defined = (kind: Kind) =>
      sdl.definitions
        .filter((d) => d.kind === kind)
        .map((d) => (d as { name: { value: string } }).name.value)
        .filter((n) => n !== 'Mutation' && n !== 'Query')
        .sort();
    expect(actionsYaml.custom_types.input_objects.map((t) => t.name).sort()).toEqual(
      defined(Kind.INPUT_OBJECT_TYPE_DEFINITION),
    );
    expect(actionsYaml.custom_types.objects.map((t) => t.name).sort()).toEqual(
      defined(Kind.OBJECT_TYPE_DEFINITION),
    );
  });

  it('keeps the tutorial’s action shapes, only adding fields', () => {
    const text = readFileSync(join(metadataDir, 'actions.graphql'), 'utf8');
    expect(text).toMatch(/Signup\(input: SignupInput!\): SignupOutput/);
    expect(text).toMatch(/CreateProject\(input: CreateProjectInput!\): CreateProjectOutput/);
    expect(text).toMatch(/type CreateProjectOutput \{\s+id: Int!\s+name: String!\s+url: String!/);
    expect(text).toMatch(/input StartProjectInput \{\s+id: Int!\s+\}/);
  });

  it('serves every action from a function of serverless.yml at the same path, and nothing else', () => {
    const routes = Object.values(serverless.functions).flatMap((f) =>
      f.events.flatMap((e) => (e.httpApi ? [`${e.httpApi.method} ${e.httpApi.path}`] : [])),
    );
    const handlerPaths = project.actions.map((a) => `POST ${handlerPath(a.handler)}`);
    // Qovery's webhook is the one route that is not an action.
    expect(routes.filter((r) => r !== 'POST /qovery-webhook').sort()).toEqual(handlerPaths.sort());
  });

  it.each(project.actions.map((a) => [a.name, a] as const))(
    '%s is served by a handler defined for that very action',
    async (name, action) => {
      const fn = Object.values(serverless.functions).find(
        (f) => f.events[0]?.httpApi?.path === handlerPath(action.handler),
      );
      const file = fn?.handler.replace(/\.handler$/, '');
      const module = (await import(join(ROOT, `${file}.ts`))) as Record<string, unknown>;
      expect(typeof module.handler).toBe('function');
      expect((module[name] as { name?: string } | undefined)?.name).toBe(name);
    },
  );

  it.each(project.actions.map((a) => [a.name, a] as const))(
    '%s sends the shared secret from the environment; only public actions forward client headers',
    (name, action) => {
      expect(action.headers).toEqual([{ name: SECRET_HEADER, valueFromEnv: 'ACTIONS_SECRET' }]);
      // The public actions need the client's address (X-Forwarded-For) for their rate limits.
      expect(action.forwardClientHeaders).toBe(PUBLIC_ACTIONS.includes(name));
      expect(action.kind).toBe('synchronous');
      expect(action.timeoutSeconds).toBeLessThanOrEqual(30);
    },
  );

  it('lets anonymous callers reach only the sign-up, sign-in, verification and reset actions', () => {
    for (const action of project.actions) {
      if (PUBLIC_ACTIONS.includes(action.name))
        expect(action.roles).toEqual(expect.arrayContaining(['anonymous', 'user']));
      else expect(action.roles).toEqual(['user']);
    }
  });

  it('gives no role any insert, update or delete permission: writes go through the actions', () => {
    for (const table of project.tables) {
      expect([...table.insert.keys(), ...table.update.keys(), ...table.delete.keys()]).toEqual([]);
    }
  });

  it('never lets a non-admin role read password hashes, refresh tokens, sign-in failures or mailed tickets', () => {
    for (const table of project.tables) {
      const hidden = PRIVATE_COLUMNS[table.table.name] ?? [];
      for (const [role, permission] of table.select) {
        if (hidden.includes('*')) throw new Error(`role ${role} may read ${table.table.name}`);
        const columns = permission.columns === '*' ? ['*'] : permission.columns;
        expect(columns).not.toContain('*');
        for (const column of hidden) expect(columns).not.toContain(column);
      }
    }
  });

  it('shows a user only their own rows', () => {
    const filters = Object.fromEntries(
      project.tables.flatMap((t) => [...t.select].map(([role, p]) => [`${t.table.name}:${role}`, p.filter])),
    );
    expect(filters).toEqual({
      'user:user': { id: { _eq: 'X-Hasura-User-Id' } },
      'project:user': { owner_id: { _eq: 'X-Hasura-User-Id' } },
      'domain:user': { owner_id: { _eq: 'X-Hasura-User-Id' } },
    });
  });

  it("keeps a custom domain's Qovery ids and check bookkeeping out of what a user can select", () => {
    const permission = project.tables.find((t) => t.table.name === 'domain')?.select.get('user');
    expect(permission?.columns).toEqual(
      expect.arrayContaining(['name', 'status', 'status_reason', 'dns_target']),
    );
    expect(permission?.columns).not.toEqual(
      expect.arrayContaining([expect.stringMatching(/^qovery_|^owner_id$|^needs_deploy$|^slot$/)]),
    );
  });

  it('lets a user read their instance’s AppWrite release, not how its upgrade goes', () => {
    const permission = project.tables.find((t) => t.table.name === 'project')?.select.get('user');
    expect(permission?.columns).toContain('appwrite_version');
    // A stopped upgrade shows through status_reason, in words written for users.
    expect(permission?.columns).not.toEqual(
      expect.arrayContaining([expect.stringMatching(/^upgrade_|^appwrite_target_version$/)]),
    );
  });

  it('keeps Qovery ids out of what a user can select', () => {
    const permission = project.tables.find((t) => t.table.name === 'project')?.select.get('user');
    expect(permission?.columns).not.toEqual(expect.arrayContaining([expect.stringMatching(/^qovery_/)]));
  });

  it('mounts, in docker-compose.yml, the very directories that exist here', () => {
    const compose = parseYaml(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
      services: Record<string, { image?: string; volumes?: string[] }>;
    };
    const engine = compose.services['graphql-engine'];
    expect(engine?.image).toMatch(/^hasura\/graphql-engine:v2\.[\d.]+\.cli-migrations-v3$/);
    const mounts = Object.fromEntries((engine?.volumes ?? []).map((v) => v.split(':').reverse()));
    expect(mounts['/hasura-metadata']).toBe('./hasura-metadata/metadata');
    expect(mounts['/hasura-migrations']).toBe('./hasura-metadata/migrations');
    for (const dir of Object.values(mounts)) expect(existsSync(join(ROOT, dir as string))).toBe(true);
  });
});

describe('migrations', () => {
  let db: PGlite;
  beforeAll(async () => {
    db = await openDatabase({ migrations: project.migrations });
  });
  afterAll(() => db.close());

  const columnsOf = async (table: string) =>
    (
      await db.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1`,
        [table],
      )
    ).rows.map((r) => r.column_name);

  it('are named <timestamp>_<name> and each has an up.sql and a down.sql', () => {
    const dir = join(METADATA_DIR, 'migrations', 'default');
    for (const name of readdirSync(dir)) {
      expect(name).toMatch(/^\d{13}_[a-z_]+$/);
      expect(existsSync(join(dir, name, 'up.sql'))).toBe(true);
      expect(existsSync(join(dir, name, 'down.sql'))).toBe(true);
    }
  });

  it('create every table and column the metadata names', async () => {
    for (const table of project.tables) {
      const columns = await columnsOf(table.table.name);
      expect(columns.length).toBeGreaterThan(0);
      const relationships = new Set(table.relationships.map((r) => r.name));
      for (const permission of table.select.values()) {
        if (permission.columns !== '*') for (const c of permission.columns) expect(columns).toContain(c);
        for (const c of columnsIn(permission.filter, relationships)) expect(columns).toContain(c);
      }
      for (const relationship of table.relationships) {
        if (!('foreignKey' in relationship.using)) continue;
        const fk = relationship.using.foreignKey;
        const owner = fk.kind === 'local' ? columns : await columnsOf(fk.table.name);
        for (const c of fk.columns) expect(owner).toContain(c);
      }
    }
  });

  it('allow exactly the project statuses the code knows', async () => {
    const { rows } = await db.query<{ def: string }>(
      `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'project_status_known'`,
    );
    const listed = [...(rows[0]?.def ?? '').matchAll(/'([A-Z]+)'/g)].map((m) => m[1]);
    expect(listed.sort()).toEqual([...PROJECT_STATUSES].sort());
  });

  it('apply on a real PostgreSQL and roll back to nothing with the down migrations', async () => {
    const scratch = await openDatabase({ migrations: project.migrations });
    try {
      for (const migration of [...project.migrations].reverse()) {
        const down = readFileSync(
          join(METADATA_DIR, 'migrations', 'default', `${migration.version}_${migration.name}`, 'down.sql'),
          'utf8',
        );
        await scratch.exec(down);
      }
      const left = await scratch.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`,
      );
      expect(left.rows).toEqual([]);
    } finally {
      await scratch.close();
    }
  });
});
