import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { METADATA_DIR, startTestHasura, type TestHasura } from '../../helpers/hasura';

/** What Hasura in production is given by this repository (docs/deploy.md, "Hasura in production"). */

const ROOT = join(__dirname, '..', '..', '..');

describe('Hasura metadata for production', () => {
  let hasura: TestHasura;
  beforeAll(async () => {
    hasura = await startTestHasura();
  });
  afterAll(() => hasura.close());

  it('disables introspection for role anonymous, in the form the Hasura CLI writes', () => {
    const text = readFileSync(join(METADATA_DIR, 'metadata', 'graphql_schema_introspection.yaml'), 'utf8');
    expect(parse(text)).toEqual({ disabled_for_roles: ['anonymous'] });
    expect(text).toBe('disabled_for_roles:\n  - anonymous\n');
  });

  it('refuses an anonymous caller’s introspection query, but still answers its queries', async () => {
    const introspection = await hasura.engine.execute({
      query: '{ __schema { queryType { name } } }',
      headers: {},
    });
    expect(JSON.stringify(introspection.body)).toContain('validation-failed');
    const typename = await hasura.engine.execute({ query: '{ __typename }', headers: {} });
    expect(JSON.stringify(typename.body)).not.toContain('"errors"');
  });
});

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
    services: Record<
      string,
      { image?: string; environment?: Record<string, string>; extra_hosts?: string[] }
    >;
  };
  const engine = compose.services['graphql-engine'];

  it('runs the latest 2.48 engine (v2.48.16) with the migrations image', () => {
    expect(engine?.image).toBe('hasura/graphql-engine:v2.48.16.cli-migrations-v3');
  });

  it('reaches the handlers on the host on Linux Docker Engine too (host-gateway)', () => {
    expect(engine?.extra_hosts).toContain('host.docker.internal:host-gateway');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Compose variable, not a template
    expect(engine?.environment?.ACTIONS_BASE_URL).toBe('http://host.docker.internal:${ACTIONS_PORT:-3000}');
    const serverless = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')) as {
      custom: { 'serverless-offline': { host: string } };
    };
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Serverless variable, not a template
    expect(serverless.custom['serverless-offline'].host).toBe("${env:ACTIONS_HOST, '127.0.0.1'}");
  });

  it('gives Hasura every setting it needs, the database URL included', () => {
    expect(Object.keys(engine?.environment ?? {})).toEqual(
      expect.arrayContaining([
        'HASURA_GRAPHQL_DATABASE_URL',
        'HASURA_GRAPHQL_METADATA_DATABASE_URL',
        'HASURA_GRAPHQL_ADMIN_SECRET',
        'HASURA_GRAPHQL_JWT_SECRET',
        'HASURA_GRAPHQL_UNAUTHORIZED_ROLE',
        'ACTIONS_BASE_URL',
        'ACTIONS_SECRET',
      ]),
    );
  });
});
