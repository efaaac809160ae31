import { cpus } from 'node:os';
import type { MailCatcher } from '../../scripts/stack';
import type { LoadResult, LoadSpec } from '../children/load';
import { runChild } from '../lib/child';

/**
 * Part 4 — end to end, locally: requests per second and latency of Signin and StartProject
 * through the whole local stack of `npm start` (scripts/stack.ts: the Hasura stand-in, the Qovery
 * stand-in and every handler under serverless-offline), at a few concurrency levels, with
 * autocannon (in a child process, loopback only, bounded duration). Each action is driven two
 * ways: as a client does, a GraphQL mutation to the Hasura stand-in's /v1/graphql (which calls
 * the handler over HTTP), and as Hasura does, straight to the handler with the x-actions-secret
 * header and a Hasura action payload.
 */

export interface EndToEndRow extends LoadResult {
  action: string;
  route: string;
  connections: number;
  seconds: number;
}

export interface EndToEnd {
  rows: EndToEndRow[];
  skipped?: string;
  setupSeconds?: number;
  notes: string[];
}

export interface EndToEndOptions {
  loadChild: string;
  connections: number[];
  seconds: number;
  progress?: (message: string) => void;
}

const EMAIL = 'bench@example.com';
const WARMUP_SECONDS = 2;
const PASSWORD = 'bench-password-1';

export async function measureEndToEnd(options: EndToEndOptions): Promise<EndToEnd> {
  let stackModule: typeof import('../../scripts/stack');
  try {
    stackModule = await import('../../scripts/stack');
  } catch (error) {
    return { rows: [], skipped: `scripts/stack.ts could not be loaded (${String(error)})`, notes: [] };
  }
  const started = performance.now();
  const secrets = stackModule.generateSecrets();
  const stack = await stackModule.startStack({
    secrets,
    qoveryStepMs: 50,
    // One user makes every request: limits for the load, not for a person. Each request still
    // takes the limiter's round trip (the count), it is never refused.
    extraEnv: { RATE_LIMIT_PER_USER: '1000000', RATE_LIMIT_PER_ADDRESS: '1000000' },
  });
  try {
    const { token, userId, projectId } = await prepare(stack.graphqlUrl, stack.mail);
    const setupSeconds = (performance.now() - started) / 1000;
    options.progress?.(`stack ready in ${setupSeconds.toFixed(0)} s`);

    const direct = (action: string, input: unknown, session: Record<string, string>) => ({
      url: `${stack.actionsUrl}/${kebab(action)}`,
      headers: { 'content-type': 'application/json', 'x-actions-secret': secrets.ACTIONS_SECRET },
      body: JSON.stringify({
        action: { name: action },
        input: { input },
        session_variables: session,
        request_query: `mutation { ${action} }`,
      }),
    });
    const viaGraphql = (query: string, bearer?: string) => ({
      url: stack.graphqlUrl,
      headers: {
        'content-type': 'application/json',
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      },
      body: JSON.stringify({ query }),
    });
    const targets: { action: string; route: string; request: Omit<LoadSpec, 'connections' | 'seconds'> }[] = [
      {
        action: 'Signin',
        route: 'Hasura stand-in /v1/graphql',
        request: viaGraphql(
          `mutation { Signin(input: {email: "${EMAIL}", password: "${PASSWORD}"}) { accessToken } }`,
        ),
      },
      {
        action: 'Signin',
        route: 'handler, x-actions-secret',
        request: direct('Signin', { email: EMAIL, password: PASSWORD }, { 'x-hasura-role': 'anonymous' }),
      },
      {
        action: 'StartProject',
        route: 'Hasura stand-in /v1/graphql',
        request: viaGraphql(`mutation { StartProject(input: {id: ${projectId}}) { ok } }`, token),
      },
      {
        action: 'StartProject',
        route: 'handler, x-actions-secret',
        request: direct(
          'StartProject',
          { id: projectId },
          { 'x-hasura-role': 'user', 'x-hasura-user-id': String(userId) },
        ),
      },
    ];

    const rows: EndToEndRow[] = [];
    for (const target of targets) {
      // Warm up first, at the highest concurrency: serverless-offline starts one worker per
      // concurrent invocation of a function, and its start is not what is measured here.
      for (let i = 0; i < 3; i++) await expectOk(target.request);
      const most = Math.max(...options.connections);
      await runChild<LoadResult>(
        [
          options.loadChild,
          JSON.stringify({ ...target.request, connections: most, seconds: WARMUP_SECONDS }),
        ],
        { PATH: process.env.PATH ?? '' },
        (WARMUP_SECONDS + 60) * 1000,
      );
      for (const connections of options.connections) {
        const spec: LoadSpec = { ...target.request, connections, seconds: options.seconds };
        const { result } = await runChild<LoadResult>(
          [options.loadChild, JSON.stringify(spec)],
          { PATH: process.env.PATH ?? '' },
          (options.seconds + 60) * 1000,
        );
        rows.push({
          action: target.action,
          route: target.route,
          connections,
          seconds: options.seconds,
          ...result,
        });
        options.progress?.(
          `${target.action} via ${target.route}, ${connections} connections: ${result.rps.toFixed(1)} req/s`,
        );
      }
    }
    return {
      rows,
      setupSeconds,
      notes: [
        `The stack of \`npm start\` (scripts/stack.ts), started by the bench in ${setupSeconds.toFixed(0)} s: the Hasura stand-in (PGlite, in memory) and the Qovery stand-in run in the bench's process, every handler under serverless-offline (built by serverless-esbuild with the options of serverless.yml, each function in worker threads, \`LOG_LEVEL=info\`, \`BCRYPT_COST=10\`), the load generator (autocannon) in a process of its own: all of it on the same ${cpus().length} cores, so these figures are about the local stack, not about Lambda.`,
        'Signin: a user made by a Signup beforehand signs in with the right password (one bcrypt compare per request: the ceiling is bcrypt on 2 cores).',
        'StartProject: the project of a CreateProject, already started and RUNNING, so each call takes the idempotent path (FindOwnProject, then the Qovery status, nothing to deploy or update).',
        'One user makes every request, so the per-user and per-address rate limits are raised to 1,000,000 a minute: each request still counts itself (one Hasura round trip), none is refused.',
        `Each row: ${options.seconds} s of load, after a warm-up of ${WARMUP_SECONDS} s at ${Math.max(...options.connections)} connections per action and route (serverless-offline starts a worker per concurrent invocation); latency as autocannon measures it (p50, p99, in ms); *errors* are connection errors and timeouts, *non-2xx* HTTP statuses, *GraphQL errors* HTTP 200 answers carrying \`errors\`.`,
      ],
    };
  } finally {
    await stack.close();
  }
}

/**
 * Signs a user up (and verifies the email through the stack's mail catcher), creates a project and
 * starts it, until the Qovery stand-in says RUNNING.
 */
async function prepare(graphqlUrl: string, mail: MailCatcher) {
  const gql = async (query: string, token?: string) => {
    const response = await fetch(graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query }),
    });
    // biome-ignore lint/suspicious/noExplicitAny: checked right below
    const answer = (await response.json()) as { data?: any; errors?: unknown[] };
    if (answer.errors) throw new Error(`${query}: ${JSON.stringify(answer.errors)}`);
    return answer.data;
  };
  await gql(
    `mutation { Signup(input: {email: "${EMAIL}", password: "${PASSWORD}"}) { emailVerificationRequired } }`,
  );
  const { VerifyEmail } = await gql(
    `mutation { VerifyEmail(input: {token: "${await verificationToken(mail)}", password: "${PASSWORD}"}) { accessToken } }`,
  );
  const token = VerifyEmail.accessToken as string;
  const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<
    string,
    Record<string, string>
  >;
  const userId = Number(claims['https://hasura.io/jwt/claims']?.['x-hasura-user-id']);
  const { CreateProject } = await gql('mutation { CreateProject(input: {name: "bench"}) { id } }', token);
  const projectId = CreateProject.id as number;
  await gql(`mutation { StartProject(input: {id: ${projectId}}) { ok } }`, token);
  for (const until = Date.now() + 30_000; Date.now() < until; ) {
    const { ProjectStatus } = await gql(
      `query { ProjectStatus(input: {id: ${projectId}}) { status } }`,
      token,
    );
    if (ProjectStatus.status === 'RUNNING') return { token, userId, projectId };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the project did not reach RUNNING on the Qovery stand-in within 30 s');
}

/** The token of the verification email sent to EMAIL (MailDev receives it within moments). */
async function verificationToken(mail: MailCatcher): Promise<string> {
  for (const until = Date.now() + 10_000; Date.now() < until; ) {
    const email = (await mail.emails()).find((e) => e.to.some((to) => to.address === EMAIL));
    const token = /\?token=([\w-]+)/.exec(email?.text ?? '')?.[1];
    if (token) return token;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no verification email for ${EMAIL} within 10 s`);
}

async function expectOk(request: Omit<LoadSpec, 'connections' | 'seconds'>) {
  const response = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body });
  const text = await response.text();
  if (!response.ok || text.includes('"errors"'))
    throw new Error(`${request.url} answered ${response.status} ${text}`);
}

const kebab = (name: string) =>
  name.replace(/[A-Z]/g, (c, at: number) => `${at === 0 ? '' : '-'}${c.toLowerCase()}`);
