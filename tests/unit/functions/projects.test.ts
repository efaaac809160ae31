import { ClaimConsole } from '../../../functions/claim-console';
import { CreateProject } from '../../../functions/create-project';
import { DeleteProject } from '../../../functions/delete-project';
import { ProjectStatus } from '../../../functions/project-status';
import { StartProject } from '../../../functions/start-project';
import { StopProject } from '../../../functions/stop-project';
import { actionHandler } from '../../../lib/action/handler';
import { AppError } from '../../../lib/basics/errors';
import type { Caller, Projects } from '../../../lib/instances/projects';
import { actionEvent, invoke, memoryLogger, TEST_SECRET } from '../../helpers/lambda';

const USER = { 'x-hasura-role': 'user', 'x-hasura-user-id': '7' };

function setup() {
  const projects: jest.Mocked<Projects> = {
    create: jest.fn(async (name: string, _caller: Caller) => ({
      id: 10,
      name,
      url: 'https://zf3f05b5a-zab0fb2f8-gtw.oom.sh',
      status: 'STOPPED' as const,
    })),
    start: jest.fn(async (_id: number, _caller: Caller) => ({ ok: true as const })),
    stop: jest.fn(async (_id: number, _caller: Caller) => ({ ok: true as const })),
    remove: jest.fn(async (_id: number, _caller: Caller) => ({ ok: true as const })),
    claimConsole: jest.fn(async (_id: number, _password: string, _caller: Caller) => ({ ok: true as const })),
    status: jest.fn(async (id: number, _caller: Caller) => ({
      id,
      status: 'RUNNING' as const,
      url: 'https://x.oom.sh',
      reason: null,
    })),
  };
  const memory = memoryLogger([TEST_SECRET]);
  const runtime = () => ({
    actionsSecret: TEST_SECRET,
    log: memory.log,
    budgetMs: 25_000,
    deps: { projects },
  });
  return {
    projects,
    CreateProject: actionHandler(CreateProject, runtime),
    StartProject: actionHandler(StartProject, runtime),
    StopProject: actionHandler(StopProject, runtime),
    DeleteProject: actionHandler(DeleteProject, runtime),
    ProjectStatus: actionHandler(ProjectStatus, runtime),
    ClaimConsole: actionHandler(ClaimConsole, runtime),
    memory,
  };
}

describe('CreateProject handler', () => {
  it('answers the tutorial’s output for the caller', async () => {
    const { CreateProject, projects } = setup();
    const answer = await invoke(
      CreateProject,
      actionEvent('CreateProject', { name: ' myproject ' }, { session: USER }),
    );
    expect(answer).toEqual({
      status: 200,
      body: { id: 10, name: 'myproject', url: 'https://zf3f05b5a-zab0fb2f8-gtw.oom.sh', status: 'STOPPED' },
    });
    expect(projects.create).toHaveBeenCalledWith(
      'myproject',
      expect.objectContaining({ userId: 7, deadline: expect.any(Number) }),
    );
  });

  it('answers a create waiting its turn: QUEUED, and an empty url until the instance exists', async () => {
    const { CreateProject, projects } = setup();
    projects.create.mockResolvedValueOnce({ id: 11, name: 'later', url: '', status: 'QUEUED' });
    const answer = await invoke(
      CreateProject,
      actionEvent('CreateProject', { name: 'later' }, { session: USER }),
    );
    expect(answer).toEqual({ status: 200, body: { id: 11, name: 'later', url: '', status: 'QUEUED' } });
  });

  it.each([
    ['an empty name', '   ', 'name: name is required'],
    ['a 64-character name', 'x'.repeat(64), 'name: name must be at most 63 characters'],
    [
      'a name with a control character',
      'my\u0000project',
      'name: name must contain printable characters only',
    ],
    [
      'a name with a zero-width character',
      'my\u200bproject',
      'name: name must contain printable characters only',
    ],
  ])('refuses %s', async (_label, name, problem) => {
    const { CreateProject, projects } = setup();
    const answer = await invoke(CreateProject, actionEvent('CreateProject', { name }, { session: USER }));
    expect(answer.body.extensions).toEqual({ code: 'invalid-input', problems: [problem] });
    expect(projects.create).not.toHaveBeenCalled();
  });

  it('accepts 63 characters, counted as characters, not bytes', async () => {
    const { CreateProject } = setup();
    const answer = await invoke(
      CreateProject,
      actionEvent('CreateProject', { name: 'é'.repeat(63) }, { session: USER }),
    );
    expect(answer.status).toBe(200);
  });

  it('refuses anonymous callers and creates nothing', async () => {
    const { CreateProject, projects } = setup();
    const answer = await invoke(
      CreateProject,
      actionEvent('CreateProject', { name: 'p' }, { session: { 'x-hasura-role': 'anonymous' } }),
    );
    expect(answer.status).toBe(403);
    expect(answer.body.extensions?.code).toBe('role-not-allowed');
    expect(projects.create).not.toHaveBeenCalled();
  });

  it('passes quota-exceeded through with its limit', async () => {
    const { CreateProject, projects } = setup();
    projects.create.mockRejectedValueOnce(new AppError('quota-exceeded', { details: { limit: 3 } }));
    const answer = await invoke(
      CreateProject,
      actionEvent('CreateProject', { name: 'p' }, { session: USER }),
    );
    expect(answer.status).toBe(403);
    expect(answer.body.extensions).toEqual({ code: 'quota-exceeded', limit: 3 });
  });
});

describe.each(['StartProject', 'StopProject', 'DeleteProject', 'ProjectStatus'] as const)(
  '%s handler',
  (name) => {
    it('acts on the id for the calling user', async () => {
      const handlers = setup();
      const answer = await invoke(handlers[name], actionEvent(name, { id: 10 }, { session: USER }));
      expect(answer.status).toBe(200);
      const method = {
        StartProject: 'start',
        StopProject: 'stop',
        DeleteProject: 'remove',
        ProjectStatus: 'status',
      }[name] as keyof Projects;
      expect(handlers.projects[method]).toHaveBeenCalledWith(10, expect.objectContaining({ userId: 7 }));
    });

    it.each([
      ['an anonymous caller', { 'x-hasura-role': 'anonymous' }],
      ['a forged role', { 'x-hasura-role': 'admin', 'x-hasura-user-id': '7' }],
    ])('refuses %s', async (_label, session) => {
      const handlers = setup();
      const answer = await invoke(handlers[name], actionEvent(name, { id: 10 }, { session }));
      expect(answer.body.extensions?.code).toBe('role-not-allowed');
      expect(Object.values(handlers.projects).every((m) => m.mock.calls.length === 0)).toBe(true);
    });

    it.each([[0], [-1], [1.5], ['10'], [2 ** 31]])('refuses the id %p', async (id) => {
      const handlers = setup();
      const answer = await invoke(handlers[name], actionEvent(name, { id }, { session: USER }));
      expect(answer.body.extensions?.code).toBe('invalid-input');
    });

    it('refuses a call without the shared secret', async () => {
      const handlers = setup();
      const answer = await invoke(
        handlers[name],
        actionEvent(name, { id: 10 }, { session: USER, secret: null }),
      );
      expect(answer.status).toBe(401);
      expect(Object.values(handlers.projects).every((m) => m.mock.calls.length === 0)).toBe(true);
    });

    it('answers not-found as the service says', async () => {
      const handlers = setup();
      const method = {
        StartProject: 'start',
        StopProject: 'stop',
        DeleteProject: 'remove',
        ProjectStatus: 'status',
      }[name] as keyof Projects;
      handlers.projects[method].mockRejectedValueOnce(new AppError('not-found'));
      const answer = await invoke(handlers[name], actionEvent(name, { id: 10 }, { session: USER }));
      expect(answer).toEqual({
        status: 404,
        body: { message: 'Project not found.', extensions: { code: 'not-found' } },
      });
    });
  },
);

describe('ClaimConsole handler', () => {
  const PASSWORD = 'ada-console-password-42';

  it('sets the owner’s console password, and never logs it', async () => {
    const { ClaimConsole, projects, memory } = setup();
    const answer = await invoke(
      ClaimConsole,
      actionEvent('ClaimConsole', { id: 10, password: PASSWORD }, { session: USER }),
    );
    expect(answer).toEqual({ status: 200, body: { ok: true } });
    expect(projects.claimConsole).toHaveBeenCalledWith(10, PASSWORD, expect.objectContaining({ userId: 7 }));
    expect(memory.lines.length).toBeGreaterThan(0);
    expect(memory.text()).not.toContain(PASSWORD);
  });

  it('answers not-found for a project that is not the caller’s', async () => {
    const { ClaimConsole, projects } = setup();
    projects.claimConsole.mockRejectedValueOnce(new AppError('not-found'));
    const answer = await invoke(
      ClaimConsole,
      actionEvent('ClaimConsole', { id: 11, password: PASSWORD }, { session: USER }),
    );
    expect(answer).toEqual({
      status: 404,
      body: { message: 'Project not found.', extensions: { code: 'not-found' } },
    });
  });

  it.each([
    ['a short password', { id: 10, password: 'short7!' }],
    ['a password too long', { id: 10, password: 'x'.repeat(257) }],
    ['no password', { id: 10 }],
    ['a password that is not a string', { id: 10, password: 12345678 }],
    ['a bad id', { id: 0, password: PASSWORD }],
  ])('refuses %s with a 4xx and calls nothing', async (_label, input) => {
    const { ClaimConsole, projects, memory } = setup();
    const answer = await invoke(ClaimConsole, actionEvent('ClaimConsole', input, { session: USER }));
    expect(answer.status).toBe(400);
    expect(answer.body.extensions?.code).toBe('invalid-input');
    expect(projects.claimConsole).not.toHaveBeenCalled();
    const { password } = input as { password?: unknown };
    if (typeof password === 'string') expect(memory.text()).not.toContain(password);
  });

  it.each([
    ['an anonymous caller', { 'x-hasura-role': 'anonymous' }],
    ['a forged role', { 'x-hasura-role': 'admin', 'x-hasura-user-id': '7' }],
  ])('refuses %s', async (_label, session) => {
    const { ClaimConsole, projects } = setup();
    const answer = await invoke(
      ClaimConsole,
      actionEvent('ClaimConsole', { id: 10, password: PASSWORD }, { session }),
    );
    expect(answer.body.extensions?.code).toBe('role-not-allowed');
    expect(projects.claimConsole).not.toHaveBeenCalled();
  });

  it('refuses a call without the shared secret', async () => {
    const { ClaimConsole, projects } = setup();
    const answer = await invoke(
      ClaimConsole,
      actionEvent('ClaimConsole', { id: 10, password: PASSWORD }, { session: USER, secret: null }),
    );
    expect(answer.status).toBe(401);
    expect(projects.claimConsole).not.toHaveBeenCalled();
  });
});
