import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createClient } from 'graphql-ws';
import { jwtVerify } from 'jose';
import WebSocket from 'ws';
import { parse as parseYaml } from 'yaml';
import { SECRET_HEADER } from '../../lib/action/handler';
import { setDomainCheck } from '../../sandbox/qovery/domains';
import { generateSecrets, ROOT, type Stack, startStack } from '../../scripts/stack';
import { eventually } from '../helpers/wait';

/**
 * The whole system as a user meets it: the Hasura stand-in's /v1/graphql in front of the handlers
 * served over HTTP by serverless-offline, and the Qovery stand-in behind them.
 */

const secrets = generateSecrets();
/** The secret a Qovery webhook carries in Qovery-Signature. */
const webhookSecret = 'e2e-qovery-webhook-secret-0123456789';
const jwtKey = new TextEncoder().encode(
  (JSON.parse(secrets.HASURA_GRAPHQL_JWT_SECRET) as { key: string }).key,
);
let stack: Stack;

interface GraphQLAnswer {
  // biome-ignore lint/suspicious/noExplicitAny: answers are read by the assertions that follow
  data?: Record<string, any> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function graphql(query: string, token?: string): Promise<GraphQLAnswer> {
  const response = await fetch(stack.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as GraphQLAnswer;
}

/** The code of the newest email sent to `email`, read from the mail catcher's inbox. */
function codeFromInbox(email: string, subject: RegExp): Promise<string> {
  return eventually(
    async () => {
      const found = (await stack.mail.emails()).filter(
        (m) => m.to.some((t) => t.address === email) && subject.test(m.subject),
      );
      return /\?token=([\w-]+)/.exec(found.at(-1)?.text ?? '')?.[1];
    },
    { what: `an email "${subject}" for ${email} in the catcher`, everyMs: 100 },
  );
}

/** Signs up, opens the verification email in the catcher and verifies: answers the session. */
async function signup(email: string): Promise<{ accessToken: string; refreshToken: string }> {
  const answer = await graphql(
    `mutation { Signup(input: {email: "${email}", password: "mysecret"}) { emailVerificationRequired } }`,
  );
  expect(answer.errors).toBeUndefined();
  const code = await codeFromInbox(email, /^Confirm/);
  const verified = await graphql(
    `mutation { VerifyEmail(input: {token: "${code}", password: "mysecret"}) { accessToken refreshToken } }`,
  );
  expect(verified.errors).toBeUndefined();
  return verified.data?.VerifyEmail;
}

const count = async (table: string) =>
  (await stack.hasura.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${table}"`)).rows[0]?.n;

describe('serverless package', () => {
  it('builds one artifact per function, offline', async () => {
    const out = mkdtempSync(join(tmpdir(), 'sls-package-'));
    try {
      await promisify(execFile)(
        process.execPath,
        [join(ROOT, 'node_modules/serverless/bin/serverless.js'), 'package', '--package', out],
        {
          cwd: ROOT,
          timeout: 180_000,
          env: { ...process.env, SLS_TELEMETRY_DISABLED: '1' },
        },
      );
      const functions = Object.keys(
        (parseYaml(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')) as { functions: object }).functions,
      );
      // 21 handlers and the 2 authorizers in front of them.
      expect(functions).toHaveLength(23);
      for (const name of functions) expect(existsSync(join(out, `${name}.zip`))).toBe(true);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 200_000);
});

describe('the tutorial, end to end', () => {
  beforeAll(async () => {
    stack = await startStack({
      secrets,
      qoveryStepMs: 100,
      reconcileEveryMs: 200,
      extraEnv: { QOVERY_WEBHOOK_SECRET: webhookSecret },
    });
  }, 300_000);
  afterAll(async () => {
    await stack?.close();
  });

  let token: string;
  let projectId: number;

  it('Signup asks for a verified email: no session yet, and the verification email is in the catcher', async () => {
    const answer = await graphql(`mutation {
	Signup(input: {email: "pjeziorowski@qovery.com", password: "mysecret"}) {
		accessToken
		emailVerificationRequired
	}
}`);
    expect(answer).toEqual({ data: { Signup: { accessToken: null, emailVerificationRequired: true } } });
    const [email] = await stack.mail.emails();
    expect(email).toMatchObject({
      to: [{ address: 'pjeziorowski@qovery.com' }],
      subject: 'Confirm your email address for AppWrite Cloud',
    });
    expect(email?.html).toContain('href="http://localhost:5173/verify-email?token=');
  });

  it('an unverified account gets no session: Signin answers as for a wrong password', async () => {
    const signin = await graphql(
      'mutation { Signin(input: {email: "pjeziorowski@qovery.com", password: "mysecret"}) { accessToken } }',
    );
    expect(signin.errors?.[0]).toMatchObject({ extensions: { code: 'invalid-credentials' } });
    expect(await count('project')).toBe(0);
  });

  it('VerifyEmail with the code from the email answers a session Hasura accepts, with role user and the user id', async () => {
    const code = await codeFromInbox('pjeziorowski@qovery.com', /^Confirm/);
    const answer = await graphql(
      `mutation { VerifyEmail(input: {token: "${code}", password: "mysecret"}) { accessToken } }`,
    );
    expect(answer.errors).toBeUndefined();
    token = answer.data?.VerifyEmail.accessToken;
    expect(await graphql('{ user { email email_verified } }', token)).toEqual({
      data: { user: [{ email: 'pjeziorowski@qovery.com', email_verified: true }] },
    });
    const { payload } = await jwtVerify(token, jwtKey);
    expect(payload['https://hasura.io/jwt/claims']).toMatchObject({
      'x-hasura-default-role': 'user',
      'x-hasura-allowed-roles': ['user'],
      'x-hasura-user-id': '1',
    });
  });

  it('CreateProject with the Bearer token answers id, name and url', async () => {
    const answer = await graphql(
      `mutation {
	CreateProject(input: {name: "myproject"}) {
		id
		name
		url
	}
}`,
      token,
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.CreateProject).toEqual({
      id: 1,
      name: 'myproject',
      url: expect.stringMatching(/^https:\/\/z[0-9a-f]+-z[0-9a-f]+-gtw\.oom\.sh$/),
    });
    projectId = answer.data?.CreateProject.id;
  });

  it('StartProject answers ok', async () => {
    const answer = await graphql(
      `mutation {\n\tStartProject(input: {id: ${projectId}}) {\n\t\tok\n\t}\n}`,
      token,
    );
    expect(answer).toEqual({ data: { StartProject: { ok: true } } });
  });

  it('lists the user’s projects exactly as the tutorial queries them', async () => {
    const answer = await graphql(
      `{\n\tproject(where: {user: {id: {_eq: 1}}}) {\n\t\tid\n\t\tname\n\t\turl\n\t}\n}`,
      token,
    );
    expect(answer).toEqual({
      data: { project: [{ id: projectId, name: 'myproject', url: expect.stringMatching(/^https:/) }] },
    });
  });

  it('after StartProject, a subscription sees RUNNING with no ProjectStatus call (the reconciler moves it)', async () => {
    const perEnvironmentReads = () =>
      stack.qovery.calls.filter((c) => c.method === 'GET' && /^\/environment\/[^/]+\/status$/.test(c.path))
        .length;
    const before = perEnvironmentReads();
    const client = createClient({
      url: stack.graphqlUrl.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { headers: { Authorization: `Bearer ${token}` } },
    });
    const seen: string[] = [];
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no RUNNING within 30 s, saw ${seen}`)), 30_000);
        client.subscribe<{ project: { id: number; status: string }[] }>(
          { query: `subscription { project(where: {id: {_eq: ${projectId}}}) { id status } }` },
          {
            next: ({ data }) => {
              const status = data?.project[0]?.status ?? '';
              seen.push(status);
              if (status === 'RUNNING') {
                clearTimeout(timer);
                resolve();
              }
            },
            error: reject,
            complete: () => {},
          },
        );
      });
    } finally {
      await client.dispose();
    }
    expect(seen.at(-1)).toBe('RUNNING');
    // Nobody asked for ProjectStatus (which reads the row only): the reconciler moved it, with its
    // one listing of every environment a run, not one read per environment.
    expect(perEnvironmentReads() - before).toBeLessThanOrEqual(1);
  }, 40_000);

  it('ProjectStatus follows the instance to RUNNING', async () => {
    await eventually(
      async () => {
        const answer = await graphql(
          `query { ProjectStatus(input: {id: ${projectId}}) { id status url } }`,
          token,
        );
        expect(answer.errors).toBeUndefined();
        return answer.data?.ProjectStatus.status === 'RUNNING';
      },
      { what: 'ProjectStatus RUNNING', everyMs: 100 },
    );
  });

  it('custom domains: AddDomain answers the CNAME, the reconciler validates it, SetPrimaryDomain and RemoveDomain answer ok', async () => {
    const added = await graphql(
      `mutation { AddDomain(input: {projectId: ${projectId}, domain: "api.example.com"}) { domain status recordName recordType recordTarget } }`,
      token,
    );
    expect(added).toEqual({
      data: {
        AddDomain: {
          domain: 'api.example.com',
          status: 'PENDING',
          recordName: 'api.example.com',
          recordType: 'CNAME',
          recordTarget: expect.stringMatching(/\.oom\.sh$/),
        },
      },
    });
    const apex = await graphql(
      `mutation { AddDomain(input: {projectId: ${projectId}, domain: "example.com"}) { status } }`,
      token,
    );
    expect(apex.errors).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'domain-apex' }) }),
    ]);
    // The owner's record is right: the reconciler (every 200 ms) sees it and redeploys the instance.
    setDomainCheck(stack.qovery.state, 'api.example.com', 'MATCHES_LOAD_BALANCER_HOST');
    await eventually(
      async () => {
        const listed = await graphql('{ project { id domains { name status } } }', token);
        return listed.data?.project[0]?.domains[0]?.status === 'ACTIVE';
      },
      { what: 'the domain ACTIVE in the listing', everyMs: 100 },
    );
    expect(
      await graphql(
        `mutation { SetPrimaryDomain(input: {projectId: ${projectId}, domain: "api.example.com"}) { ok } }`,
        token,
      ),
    ).toEqual({ data: { SetPrimaryDomain: { ok: true } } });
    expect(await graphql('{ domain { name is_primary status } }', token)).toEqual({
      data: { domain: [{ name: 'api.example.com', is_primary: true, status: 'ACTIVE' }] },
    });
    expect(
      await graphql(
        `mutation { RemoveDomain(input: {projectId: ${projectId}, domain: "api.example.com"}) { ok } }`,
        token,
      ),
    ).toEqual({ data: { RemoveDomain: { ok: true } } });
    expect(await graphql('{ domain { name } }', token)).toEqual({ data: { domain: [] } });
  });

  describe('a second user', () => {
    let other: string;
    beforeAll(async () => {
      other = (await signup('someone@else.com')).accessToken;
    });

    it('does not see the first user’s project in the listing', async () => {
      expect(await graphql('{ project { id name url } }', other)).toEqual({ data: { project: [] } });
      expect(await graphql('{ project(where: {user: {id: {_eq: 1}}}) { id } }', other)).toEqual({
        data: { project: [] },
      });
    });

    it.each([
      ['StartProject', 'mutation { StartProject(input: {id: ID}) { ok } }'],
      ['StopProject', 'mutation { StopProject(input: {id: ID}) { ok } }'],
      ['DeleteProject', 'mutation { DeleteProject(input: {id: ID}) { ok } }'],
      ['ProjectStatus', 'query { ProjectStatus(input: {id: ID}) { status } }'],
    ])('cannot %s it: not-found, as for an id that does not exist', async (_name, query) => {
      const theirs = await graphql(query.replace('ID', String(projectId)), other);
      const missing = await graphql(query.replace('ID', '999'), other);
      expect(theirs.errors?.[0]?.extensions?.code).toBe('not-found');
      expect(theirs.errors?.[0]?.message).toBe(missing.errors?.[0]?.message);
      expect(await count('project')).toBe(1);
    });

    it('cannot read password hashes', async () => {
      const answer = await graphql('{ user { id email password_hash } }', other);
      expect(answer.errors?.[0]?.extensions?.code).toBe('validation-failed');
    });
  });

  it('refuses project actions to anonymous callers', async () => {
    const answer = await graphql('mutation { CreateProject(input: {name: "x"}) { id } }');
    expect(answer.errors?.[0]).toMatchObject({
      message: "field 'CreateProject' not found in type: 'mutation_root'",
      extensions: { code: 'validation-failed' },
    });
  });

  it('refuses at the gateway a forged call straight to a handler, without the shared secret or with a wrong one, and changes nothing', async () => {
    // The reconciler reads Qovery meanwhile (GET): only changes count here.
    const changes = () => stack.qovery.calls.filter((c) => c.method !== 'GET').length;
    const before = {
      users: await count('user'),
      projects: await count('project'),
      qovery: changes(),
    };
    const forged = (path: string, action: string, input: unknown, secret?: string) =>
      fetch(`${stack.actionsUrl}/${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(secret === undefined ? {} : { [SECRET_HEADER]: secret }),
        },
        body: JSON.stringify({
          action: { name: action },
          input: { input },
          session_variables: { 'x-hasura-role': 'user', 'x-hasura-user-id': '1' },
        }),
      });
    const signup = { email: 'forged@example.com', password: 'mysecret' };
    for (const [response, status] of [
      // No header: refused by API Gateway without invoking the authorizer.
      [await forged('delete-project', 'DeleteProject', { id: projectId }), 401],
      [await forged('signup', 'Signup', signup), 401],
      // A wrong secret: refused by the authorizer.
      [await forged('delete-project', 'DeleteProject', { id: projectId }, 'a-guess-of-the-secret'), 403],
      [await forged('signup', 'Signup', signup, `${secrets.ACTIONS_SECRET}x`), 403],
    ] as const) {
      expect(response.status).toBe(status);
      // The gateway's answer: a handler's would be in Hasura's error shape, with extensions.code.
      expect(await response.json()).not.toHaveProperty('extensions');
    }
    expect({
      users: await count('user'),
      projects: await count('project'),
      qovery: changes(),
    }).toEqual(before);
  });

  it("lets a Qovery webhook call through the gateway only with Qovery's secret", async () => {
    const ring = (headers: Record<string, string>) =>
      fetch(`${stack.actionsUrl}/qovery-webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ event: 'DEPLOYMENT_SUCCESSFUL' }),
      });
    expect((await ring({})).status).toBe(401);
    expect((await ring({ 'Qovery-Signature': `${webhookSecret}x` })).status).toBe(403);
    expect((await ring({ 'Qovery-Signature': secrets.ACTIONS_SECRET })).status).toBe(403);
    expect((await ring({ 'Qovery-Signature': webhookSecret })).status).toBe(202);
  });

  it('answers Signup straight from the handler with the secret header, as Hasura calls it', async () => {
    const response = await fetch(`${stack.actionsUrl}/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [SECRET_HEADER]: secrets.ACTIONS_SECRET },
      body: JSON.stringify({
        action: { name: 'Signup' },
        input: { input: { email: 'direct@example.com', password: 'mysecret' } },
        session_variables: { 'x-hasura-role': 'anonymous' },
      }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      accessToken: null,
      refreshToken: null,
      emailVerificationRequired: true,
    });
    const { accessToken } = await signup('direct@example.com');
    const { payload } = await jwtVerify(accessToken, jwtKey);
    const id = (
      await stack.hasura.db.query<{ id: number }>(`SELECT id FROM "user" WHERE email = 'direct@example.com'`)
    ).rows[0]?.id;
    expect(payload['https://hasura.io/jwt/claims']).toMatchObject({
      'x-hasura-user-id': String(id),
      'x-hasura-default-role': 'user',
    });
  });

  it('Signup answers a taken address exactly as a new one; the owner is told by email', async () => {
    const query = (email: string) =>
      `mutation { Signup(input: {email: "${email}", password: "another1"}) { accessToken refreshToken emailVerificationRequired } }`;
    const taken = await graphql(query('pjeziorowski@qovery.com'));
    const fresh = await graphql(query('fresh@example.com'));
    expect(taken).toEqual(fresh);
    // The account is verified: the email says so, and carries no link that could change it.
    const told = await eventually(
      async () =>
        (await stack.mail.emails()).find(
          (m) => m.to.some((t) => t.address === 'pjeziorowski@qovery.com') && /already have/.test(m.subject),
        ),
      { what: 'an "already have" email in the catcher', everyMs: 100 },
    );
    expect(told.text).not.toContain('token=');
  });

  it('a password reset through the emailed link kills every old session', async () => {
    const email = 'reset@example.com';
    const first = await signup(email);
    const second = await graphql(
      `mutation { Signin(input: {email: "${email}", password: "mysecret"}) { refreshToken } }`,
    );
    const asked = await graphql(`mutation { RequestPasswordReset(input: {email: "${email}"}) { ok } }`);
    const unknown = await graphql(
      'mutation { RequestPasswordReset(input: {email: "nobody@example.com"}) { ok } }',
    );
    expect(asked).toEqual({ data: { RequestPasswordReset: { ok: true } } });
    expect(unknown).toEqual(asked);
    const code = await codeFromInbox(email, /^Reset/);
    expect(
      await graphql(
        `mutation { ResetPassword(input: {token: "${code}", newPassword: "brand-new-1"}) { ok } }`,
      ),
    ).toEqual({ data: { ResetPassword: { ok: true } } });
    for (const refreshToken of [first.refreshToken, second.data?.Signin.refreshToken]) {
      const refreshed = await graphql(
        `mutation { RefreshToken(input: {refreshToken: "${refreshToken}"}) { accessToken } }`,
      );
      expect(refreshed.errors?.[0]?.extensions?.code).toBe('invalid-refresh-token');
    }
    const again = await graphql(
      `mutation { ResetPassword(input: {token: "${code}", newPassword: "brand-new-2"}) { ok } }`,
    );
    expect(again.errors?.[0]?.extensions?.code).toBe('invalid-ticket');
    const signin = await graphql(
      `mutation { Signin(input: {email: "${email}", password: "brand-new-1"}) { accessToken } }`,
    );
    expect(signin.errors).toBeUndefined();
  });

  it('Signin and RefreshToken work through Hasura too', async () => {
    const signin = await graphql(
      'mutation { Signin(input: {email: "PJeziorowski@qovery.com ", password: "mysecret"}) { accessToken refreshToken } }',
    );
    expect(signin.errors).toBeUndefined();
    const refresh = await graphql(
      `mutation { RefreshToken(input: {refreshToken: "${signin.data?.Signin.refreshToken}"}) { accessToken refreshToken } }`,
    );
    expect(refresh.data?.RefreshToken.accessToken).toEqual(expect.any(String));
    const wrong = await graphql(
      'mutation { Signin(input: {email: "pjeziorowski@qovery.com", password: "wrong-one"}) { accessToken } }',
    );
    expect(wrong.errors?.[0]).toMatchObject({
      message: 'Wrong email or password.',
      extensions: { code: 'invalid-credentials' },
    });
  });

  it('StopProject then DeleteProject answer ok, and the instance is gone from Hasura and Qovery', async () => {
    expect(await graphql(`mutation { StopProject(input: {id: ${projectId}}) { ok } }`, token)).toEqual({
      data: { StopProject: { ok: true } },
    });
    // The reconciler (every 200 ms) cannot confirm anything while its status listing fails: the row
    // is read DELETING below however slow the machine (else the deletion may be confirmed first).
    stack.qovery.faults.inject({
      method: 'GET',
      path: /^\/project\/[^/]+\/environment\/status$/,
      status: 503,
      times: Number.POSITIVE_INFINITY,
    });
    try {
      expect(await graphql(`mutation { DeleteProject(input: {id: ${projectId}}) { ok } }`, token)).toEqual({
        data: { DeleteProject: { ok: true } },
      });
      // The row (and its quota slot) stays, DELETING, until Qovery confirms the environment gone.
      expect(await graphql('{ project { id status } }', token)).toEqual({
        data: { project: [{ id: projectId, status: 'DELETING' }] },
      });
    } finally {
      stack.qovery.faults.clear();
    }
    expect(stack.qovery.calls.some((c) => c.method === 'DELETE')).toBe(true);
    // No ProjectStatus call: the reconciler removes the row once Qovery confirms.
    await eventually(async () => (await graphql('{ project { id } }', token)).data?.project.length === 0, {
      what: 'no project left',
      everyMs: 100,
    });
  });

  it('DeleteAccount deletes the instances on Qovery, then the account; its sessions stop working', async () => {
    const email = 'leaving@example.com';
    const session = await signup(email);
    const created = await graphql(
      'mutation { CreateProject(input: {name: "doomed"}) { id } }',
      session.accessToken,
    );
    expect(created.errors).toBeUndefined();
    const deletesBefore = stack.qovery.calls.filter((c) => c.method === 'DELETE').length;
    const wrong = await graphql(
      'mutation { DeleteAccount(input: {password: "not-mine"}) { ok } }',
      session.accessToken,
    );
    expect(wrong.errors?.[0]?.extensions?.code).toBe('invalid-credentials');
    expect(
      await graphql('mutation { DeleteAccount(input: {password: "mysecret"}) { ok } }', session.accessToken),
    ).toEqual({ data: { DeleteAccount: { ok: true } } });
    expect(stack.qovery.calls.filter((c) => c.method === 'DELETE').length).toBeGreaterThan(deletesBefore);
    expect(await graphql('{ user { id } project { id } }', session.accessToken)).toEqual({
      data: { user: [], project: [] },
    });
    const refreshed = await graphql(
      `mutation { RefreshToken(input: {refreshToken: "${session.refreshToken}"}) { accessToken } }`,
    );
    expect(refreshed.errors?.[0]?.extensions?.code).toBe('invalid-refresh-token');
    const create = await graphql(
      'mutation { CreateProject(input: {name: "ghost"}) { id } }',
      session.accessToken,
    );
    expect(create.errors?.[0]?.extensions?.code).toBe('account-not-found');
  });
});
