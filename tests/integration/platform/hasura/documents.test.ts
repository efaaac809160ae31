import { Kind, type OperationDefinitionNode, parse, validate } from 'graphql';
import * as documents from '../../../../lib/platform/hasura/documents';
import { startTestHasura, type TestHasura } from '../../../helpers/hasura';

/** Every GraphQL document the functions send, checked against the schema Hasura builds from our metadata. */
const all = Object.entries(documents).filter(([, value]) => typeof value === 'string') as [string, string][];

let hasura: TestHasura;
beforeAll(async () => {
  hasura = await startTestHasura();
});
afterAll(() => hasura.close());

describe('GraphQL documents', () => {
  it('are all found', () => {
    expect(all.map(([name]) => name)).toEqual(
      expect.arrayContaining([
        'InsertUser',
        'SigninUser',
        'HitRateLimits',
        'RotateRefreshToken',
        'ClaimProjectSlot',
        'FindOwnProject',
      ]),
    );
  });

  it.each(all)('%s is one operation, named after its export', (name, source) => {
    const operations = parse(source).definitions.filter(
      (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
    );
    expect(operations).toHaveLength(1);
    expect(operations[0]?.name?.value).toBe(name);
  });

  it.each(all)(
    '%s is valid against the admin schema Hasura generates from hasura-metadata/',
    (_name, source) => {
      expect(validate(hasura.engine.schemaFor('admin'), parse(source)).map((e) => e.message)).toEqual([]);
    },
  );

  it('would catch a document that drifts from the schema', () => {
    const drifted = documents.FindOwnProject.replace('qovery_appwrite_id', 'qovery_app_id');
    expect(validate(hasura.engine.schemaFor('admin'), parse(drifted))).not.toHaveLength(0);
  });

  it('are refused to the user role: handlers must use the admin secret', () => {
    expect(validate(hasura.engine.schemaFor('user'), parse(String(documents.SigninUser)))).not.toHaveLength(
      0,
    );
  });
});
