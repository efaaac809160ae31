import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StopProject } from '../../../../functions/stop-project';
import { actionHandler } from '../../../../lib/action/handler';
import { AppError } from '../../../../lib/basics/errors';
import type { Caller, Projects } from '../../../../lib/instances/projects';
import { actionEvent, invoke, memoryLogger } from '../../../helpers/lambda';
import {
  ACTIONS_SECRET,
  asAdmin,
  baseEnv,
  bearer,
  type Harness,
  REPO_PROJECT,
  startHarness,
  userToken,
} from './helpers';

/**
 * The project's StopProject handler, unchanged, behind an operator's `kind: asynchronous`: the
 * tutorial's actions stay synchronous, but nothing in the handlers depends on it.
 */

let dir: string;
let hasura: Harness;
let server: Server;
const bodies: Record<string, unknown>[] = [];
const stop = jest.fn(async (_id: number, _caller: Caller) => ({ ok: true as const }));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'async-actions-'));
  cpSync(REPO_PROJECT, dir, { recursive: true });
  const actionsFile = join(dir, 'metadata/actions.yaml');
  const yaml = readFileSync(actionsFile, 'utf8');
  const switched = yaml.replace(
    /(- name: StopProject\n\s+definition:\n\s+kind: )synchronous/,
    '$1asynchronous',
  );
  expect(switched).not.toBe(yaml);
  writeFileSync(actionsFile, switched);

  const projects = { stop } as unknown as Projects;
  const handler = actionHandler(StopProject, () => ({
    actionsSecret: ACTIONS_SECRET,
    log: memoryLogger([ACTIONS_SECRET]).log,
    budgetMs: 25_000,
    deps: { projects },
  }));
  // The real handler behind HTTP, as API Gateway would hand it Hasura's request.
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      bodies.push(JSON.parse(body) as Record<string, unknown>);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers))
        if (typeof value === 'string') headers[name] = value;
      const answer = await invoke(handler, actionEvent('StopProject', null, { body, secret: null, headers }));
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  hasura = await startHarness(dir, baseEnv({ ACTIONS_BASE_URL: `http://127.0.0.1:${port}` }));
});

afterAll(async () => {
  await hasura?.engine.settle();
  await hasura?.close();
  await new Promise((resolve) => server?.close(resolve));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const RESULT = 'query Result($id: uuid!) { StopProject(id: $id) { id created_at errors output { ok } } }';

async function startStop(userId: number, projectId: number): Promise<string> {
  const body = await hasura.gql(
    `mutation { StopProject(input: {id: ${projectId}}) }`,
    bearer(userToken(userId)),
  );
  expect(body.errors).toBeUndefined();
  const id = body.data?.StopProject;
  expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  return id as string;
}

/** Polls the action's query field until the handler's outcome is there (bounded, not timed). */
interface AsyncResult {
  id: string;
  created_at: string;
  errors: unknown;
  output: unknown;
}

async function result(id: string, headers: Record<string, string>): Promise<AsyncResult | null> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const body = await hasura.gql(RESULT, headers, { id });
    expect(body.errors).toBeUndefined();
    const value = body.data?.StopProject as AsyncResult | null;
    if (value === null || value.output !== null || value.errors !== null) return value;
    await hasura.engine.settle();
  }
  throw new Error('the asynchronous action never finished');
}

describe('StopProject declared kind: asynchronous (handler unchanged)', () => {
  it('answers an id at once, then serves {ok: true} to its creator; the handler got no request_query', async () => {
    bodies.length = 0;
    const id = await startStop(42, 5);
    const value = await result(id, bearer(userToken(42)));
    expect(value).toEqual({ id, created_at: expect.any(String), errors: null, output: { ok: true } });
    expect(stop).toHaveBeenCalledWith(5, expect.objectContaining({ userId: 42 }));
    expect(bodies).toHaveLength(1);
    expect(bodies[0]).toEqual({
      action: { name: 'StopProject' },
      input: { input: { id: 5 } },
      session_variables: { 'x-hasura-role': 'user', 'x-hasura-user-id': '42' },
    });
    expect(bodies[0]).not.toHaveProperty('request_query');
  });

  it('lets no other user read the result (null, as Hasura filters the log by session), but admin may', async () => {
    const id = await startStop(42, 6);
    await hasura.engine.settle();
    expect(await result(id, bearer(userToken(43)))).toBeNull();
    expect((await result(id, asAdmin()))?.output).toEqual({ ok: true });
  });

  it('keeps the handler’s 4xx answer as the errors JSON, output null', async () => {
    stop.mockRejectedValueOnce(new AppError('not-found'));
    const id = await startStop(42, 7);
    const value = await result(id, bearer(userToken(42)));
    expect(value?.output).toBeNull();
    expect(value?.errors).toEqual({
      path: '$',
      error: 'Project not found.',
      code: 'unexpected',
      extensions: expect.objectContaining({ code: 'not-found' }),
    });
  });

  it('serves the result by subscription too', async () => {
    const id = await startStop(42, 8);
    await hasura.engine.settle();
    const answer = await hasura.engine.execute({
      query: 'subscription S($id: uuid!) { StopProject(id: $id) { id output { ok } } }',
      variables: { id },
      headers: bearer(userToken(42)),
      transport: 'websocket',
    });
    expect(answer.body).toEqual({ data: { StopProject: { id, output: { ok: true } } } });
  });

  it('has the async schema: mutation answers uuid!, the query field takes id: uuid!', () => {
    const schema = hasura.engine.schemaFor('user');
    expect(String(schema.getMutationType()?.getFields().StopProject?.type)).toBe('uuid!');
    const query = schema.getQueryType()?.getFields().StopProject;
    expect(query?.args.map((a) => `${a.name}: ${a.type}`)).toEqual(['id: uuid!']);
    expect(String(schema.getMutationType()?.getFields().StartProject?.type)).toBe('StartProjectOutput');
  });
});
