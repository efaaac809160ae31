import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildContract,
  OPENAPI_FILE,
  patchNullable,
  type QoveryStandIn,
  qoveryContract,
  startQoveryStandIn,
  takeViolations,
} from '../../../../sandbox/qovery';
import fixture from '../../../fixtures/qovery/settings.json';
import { qoveryApi } from './helpers';

let qovery: QoveryStandIn;

beforeEach(async () => {
  qovery = await startQoveryStandIn({ token: fixture.token, stepMs: 20, projectIds: [fixture.projectId] });
});
afterEach(async () => {
  await qovery.close();
});

const api = (method: string, path: string, body?: unknown) => qoveryApi(qovery.url, method, path, body);

describe("Qovery stand-in: held to Qovery's OpenAPI document", () => {
  test('keeps the pinned document byte for byte as published (its hash is in the README)', () => {
    const hash = createHash('sha256').update(readFileSync(OPENAPI_FILE)).digest('hex');
    const readme = readFileSync(join(__dirname, '../../../../sandbox/qovery/README.md'), 'utf8');
    expect(readme).toContain(hash);
  });

  test('refuses an environment whose mode is not in EnvironmentModeEnum (400), creates nothing, records why', async () => {
    const answer = await api('POST', `/project/${fixture.projectId}/environment`, {
      name: 'appwrite-1',
      mode: 'NOT_A_MODE',
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ status: 400, detail: expect.stringContaining('mode') });
    expect(qovery.state.environments.size).toBe(0);
    const violations = qovery.takeViolations();
    expect(violations).toEqual([
      expect.objectContaining({
        direction: 'request',
        operationId: 'createEnvironment',
        problems: [expect.stringContaining('body/mode must be equal to one of the allowed values')],
      }),
    ]);
  });

  test('refuses a path parameter that is not a UUID where the document says uuid', async () => {
    const answer = await api('GET', '/environment/not-a-uuid/status');
    expect(answer.status).toBe(400);
    expect(qovery.takeViolations()).toEqual([
      expect.objectContaining({ operationId: 'getEnvironmentStatus', direction: 'request' }),
    ]);
  });

  test("answers 404 to a call Qovery's API does not have, and records it", async () => {
    const answer = await api('POST', `/environment/${fixture.projectId}/restart-everything`);
    expect(answer.status).toBe(404);
    expect(qovery.takeViolations()).toEqual([
      expect.objectContaining({ problems: [expect.stringContaining("no such path in Qovery's API")] }),
    ]);
  });

  test('records an answer of its own that breaks the document (a stand-in bug fails the test too)', async () => {
    const created = await api('POST', `/project/${fixture.projectId}/environment`, {
      name: 'e',
      mode: 'STAGING',
    });
    expect(created.status).toBe(201);
    const record = qovery.state.environments.get(created.body.id);
    if (!record) throw new Error('environment not stored');
    // biome-ignore lint/suspicious/noExplicitAny: breaking the stored resource on purpose.
    (record.resource as any).mode = 'NOT_A_MODE';
    const read = await api('GET', `/environment/${created.body.id}`);
    expect(read.status).toBe(200);
    const violations = qovery.takeViolations();
    expect(violations).toEqual([
      expect.objectContaining({ direction: 'response', status: 200, operationId: 'getEnvironment' }),
    ]);
    // Taken: nothing is left for tests/setup-contract.ts to fail this test with.
    expect(takeViolations()).toEqual([]);
  });

  test('checks every answer of a normal life cycle without a violation', async () => {
    const created = await api('POST', `/project/${fixture.projectId}/environment`, {
      name: 'ok',
      mode: 'PRODUCTION',
    });
    const id = created.body.id;
    await api('POST', `/environment/${id}/database`, {
      name: 'redis',
      type: 'REDIS',
      version: '7',
      mode: 'CONTAINER',
    });
    await api('POST', `/environment/${id}/deploy`);
    await api('GET', `/environment/${id}/status`);
    await api('GET', `/environment/${id}/database`);
    await api('DELETE', `/environment/${id}`);
    expect(qovery.takeViolations()).toEqual([]);
  });
});

describe('Qovery contract: patches for schemas Ajv cannot compile', () => {
  test('turns "nullable: true" without a type into "that schema, or null"', () => {
    const schema = { description: 'd', $ref: '#/components/schemas/X', nullable: true };
    expect(patchNullable({ a: schema })).toBe(1);
    expect(schema).toEqual({
      description: 'd',
      anyOf: [{ $ref: '#/components/schemas/X' }, { type: 'null' }],
    });
  });

  test('a patched schema accepts null and the schema, and still refuses anything else', () => {
    const contract = buildContract({
      paths: {
        '/thing': {
          get: {
            operationId: 'getThing',
            responses: {
              '200': {
                content: {
                  'application/json': {
                    schema: {
                      type: 'object',
                      properties: { mode: { $ref: '#/components/schemas/Mode', nullable: true } },
                    },
                  },
                },
              },
            },
          },
        },
      },
      // biome-ignore lint/suspicious/noExplicitAny: a minimal OpenAPI document.
      components: { schemas: { Mode: { type: 'string', enum: ['A', 'B'] } } } as any,
    } as Parameters<typeof buildContract>[0]);
    const check = (mode: unknown) =>
      contract.checkResponse({ method: 'GET', path: '/thing', status: 200, body: { mode } });
    expect(check(null).problems).toEqual([]);
    expect(check('A').problems).toEqual([]);
    expect(check('C').problems).not.toEqual([]);
  });

  test('compiles the schemas of every operation the client uses from the real document', () => {
    const contract = qoveryContract();
    const id = fixture.projectId;
    for (const [method, path] of [
      ['POST', `/project/${id}/environment`],
      ['GET', `/project/${id}/environment`],
      ['GET', `/environment/${id}`],
      ['POST', `/environment/${id}/clone`],
      ['POST', `/environment/${id}/container`],
      ['POST', `/environment/${id}/database`],
      ['POST', `/container/${id}/environmentVariable/import`],
    ] as const) {
      const check = contract.checkRequest({ method, path, query: new URLSearchParams(), body: {} });
      expect(check.operationId).toEqual(expect.any(String));
    }
  });
});
