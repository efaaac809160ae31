import { createHash } from 'node:crypto';
import { HASURA_URL, type HasuraAnswers, QOVERY_URL, type QoveryRoute } from './fake-fetch';

/**
 * One invocation per action, on its main success path, and the upstream answers it needs.
 * Kept free of imports from lib/ so that the cold-start child loads nothing but the bundle under
 * test. `passwordHash` is a bcrypt hash of PASSWORD made by the parent at BCRYPT_COST.
 */

export const PASSWORD = 'correct horse battery staple';
/** `<family id>.<secret>`, as lib/accounts/tokens.ts issues them. */
export const REFRESH_FAMILY = '00000000-0000-4000-8000-00000000fa01';
export const REFRESH_TOKEN = `${REFRESH_FAMILY}.bench-refresh-token-aaaaaaaaaaaaaaaaaaaaaaa`;
const REFRESH_HASH = createHash('sha256').update(REFRESH_TOKEN).digest('hex');
export const ACTIONS_SECRET = 'bench-actions-secret-0123456789';
export const JWT_KEY = 'bench-jwt-key-that-is-at-least-32-characters-long';

/** The settings every function needs (as the settings readers of lib/ read them), pointing at the fakes. */
export const FUNCTION_ENV: Record<string, string> = {
  HASURA_GRAPHQL_ENDPOINT: HASURA_URL,
  HASURA_GRAPHQL_ADMIN_SECRET: 'bench-admin-secret-0123456789',
  HASURA_GRAPHQL_JWT_SECRET: JSON.stringify({ type: 'HS256', key: JWT_KEY }),
  ACTIONS_SECRET,
  BCRYPT_COST: '10',
  LOG_LEVEL: 'info',
  // As on AWS (set there by the settings plugin): every invocation also writes its EMF metrics.
  POWERTOOLS_METRICS_NAMESPACE: 'AppWriteCloud/bench',
  QOVERY_API_URL: QOVERY_URL,
  QOVERY_API_TOKEN: 'qov_bench_0123456789',
  CONSOLE_CLAIM_KEY: 'bench-console-claim-key-0123456789abcdef',
  QOVERY_PROJECT_ID: '00000000-0000-4000-8000-00000000c10d',
  QOVERY_REGISTRY_ID: '00000000-0000-4000-8000-0000000d0c4e',
  // What a deployment off loopback must name: its stage, its own id, its buckets' random part.
  QOVERY_ENVIRONMENT_PREFIX: 'bench',
  QOVERY_DEPLOYMENT_ID: 'benchdeploy01',
  STORAGE_BUCKET_ID: 'benchbucket01',
  // Signup's verification email (Amazon SES, the default transport: bench/upstream/fake-aws.ts).
  MAIL_FROM: 'AppWrite Cloud <no-reply@bench.invalid>',
  APP_URL: 'https://app.bench.invalid',
};

export interface Scenario {
  action: string;
  input: Record<string, unknown>;
  session: Record<string, string>;
  hasura: HasuraAnswers;
  qovery: QoveryRoute[];
  /** Keys the 200 answer must have. */
  output: string[];
}

const USER_ID = 42;
const PROJECT_ID = 7;
const ENVIRONMENT_ID = '11111111-1111-4111-8111-111111111111';
const APPWRITE_ID = '22222222-2222-4222-8222-222222222222';
const APPWRITE_URL = 'https://z22222222-gtw.oom.sh';
const anonymous = { 'x-hasura-role': 'anonymous' };
const user = { 'x-hasura-role': 'user', 'x-hasura-user-id': String(USER_ID) };
const later = () => new Date(Date.now() + 86_400_000).toISOString();

let counter = 0;
const uuid = () => `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`;

const startSession = {
  StartSession: () => ({
    insert_refresh_token_one: { id: uuid() },
    insert_rate_limit_hit: { affected_rows: 1 },
    delete_refresh_token: { affected_rows: 0 },
  }),
};

/** Every action counts its call against its rate limits first (lib/action/rate-limit.ts). */
const counted = {
  HitRateLimits: () => ({ insert_rate_limit_hit_one: { refused_key: null, retry_after_seconds: null } }),
  // Every Qovery request is first drawn from the deployment's budget (lib/instances/budget.ts).
  DrawQoveryBudget: () => ({ insert_qovery_budget_draw_one: { granted: true, retry_after_seconds: null } }),
  GiveBackQoveryBudget: () => ({ insert_qovery_budget_draw_one: { granted: true } }),
  // No recorded template: CreateProject provisions from the blueprint (lib/instances/provision-strategy.ts).
  InstanceTemplate: () => ({ instance_template_by_pk: null }),
};
/**
 * The queue on a quiet day (lib/instances/queue/submit.ts): the action's task is the head, is
 * claimed and runs within the action, then leaves the queue; the task reads its project first.
 */
function queuedInline(kind: 'create' | 'start' | 'stop' | 'delete', status: string) {
  return {
    EnqueueInstanceTask: () => ({
      insert_instance_queue_op_one: { outcome: 'queued', task_id: 1, head: true, ahead: 0 },
    }),
    ClaimInstanceTask: () => ({
      insert_instance_queue_op_one: {
        outcome: 'claimed',
        claimed_id: 1,
        claimed_project_id: PROJECT_ID,
        claimed_owner_id: USER_ID,
        claimed_kind: kind,
        claimed_then_start: false,
        claimed_cost: kind === 'create' ? 30 : 2,
        claimed_attempts: 1,
        claimed_retaken: false,
      },
    }),
    FindProject: () => ({
      project_by_pk: {
        id: PROJECT_ID,
        name: 'my-appwrite',
        status: kind === 'create' ? 'CREATING' : status,
        status_reason: null,
        url: kind === 'create' ? null : APPWRITE_URL,
        qovery_environment_id: kind === 'create' ? null : ENVIRONMENT_ID,
        qovery_appwrite_id: kind === 'create' ? null : APPWRITE_ID,
        qovery_mariadb_id: null,
        created_at: new Date().toISOString(),
        status_changed_at: new Date().toISOString(),
        console_account_at: null,
        upgrade_error: null,
        bucket_stem: 'bench7',
        user: { email: 'owner@example.com' },
      },
    }),
    FinishInstanceTask: () => ({ insert_instance_queue_op_one: { outcome: 'finished' } }),
  };
}

/** Creating and starting instances: the account exists and its e-mail is verified. */
const inGoodStanding = { AccountStanding: () => ({ user_by_pk: { email_verified: true } }) };

function projectRow(status: string) {
  return () => ({
    project: [
      {
        id: PROJECT_ID,
        name: 'my-appwrite',
        status,
        url: APPWRITE_URL,
        qovery_environment_id: ENVIRONMENT_ID,
        qovery_appwrite_id: APPWRITE_ID,
      },
    ],
  });
}

const updated = {
  UpdateProject: () => ({ update_project_by_pk: { id: PROJECT_ID } }),
  MoveProject: () => ({ update_project: { affected_rows: 1 } }),
};

function environmentStatus(state: string): QoveryRoute {
  return {
    route: 'GET /environment/{environmentId}/status',
    status: 200,
    answer: (_body, [id]) => ({ id, state, last_deployment_state: state }),
  };
}

export function scenarios(passwordHash: string): Record<string, Scenario> {
  const list: Scenario[] = [
    {
      action: 'Signup',
      input: { email: 'ada@example.com', password: PASSWORD },
      session: anonymous,
      hasura: {
        ...counted,
        MailAccountLookup: () => ({ user: [] }),
        SignupAccount: () => ({
          insert_user_one: { id: USER_ID },
          insert_account_ticket_one: { id: uuid() },
        }),
      },
      qovery: [],
      output: ['emailVerificationRequired'],
    },
    {
      action: 'Signin',
      input: { email: 'ada@example.com', password: PASSWORD },
      session: anonymous,
      hasura: {
        ...counted,
        SigninUser: () => ({
          user: [{ id: USER_ID, password_hash: passwordHash, email_verified: true }],
          refresh_token: [],
          account_address: [],
        }),
        ...startSession,
      },
      qovery: [],
      output: ['accessToken'],
    },
    {
      action: 'RefreshToken',
      input: { refreshToken: REFRESH_TOKEN },
      session: anonymous,
      hasura: {
        ...counted,
        FindRefreshToken: () => ({
          refresh_token: [
            {
              id: uuid(),
              user_id: USER_ID,
              family_id: REFRESH_FAMILY,
              token_hash: REFRESH_HASH,
              expires_at: later(),
              family_expires_at: later(),
              revoked_at: null,
            },
          ],
        }),
        RotateRefreshToken: () => ({
          update_refresh_token: { affected_rows: 1 },
          insert_refresh_token_one: { id: uuid() },
          delete_refresh_token: { affected_rows: 1 },
        }),
      },
      qovery: [],
      output: ['accessToken', 'refreshToken'],
    },
    {
      action: 'Signout',
      input: { refreshToken: REFRESH_TOKEN },
      session: anonymous,
      hasura: { ...counted, EndSession: () => ({ delete_refresh_token: { affected_rows: 1 } }) },
      qovery: [],
      output: ['ok'],
    },
    {
      action: 'CreateProject',
      input: { name: 'my-appwrite' },
      session: user,
      hasura: {
        ...counted,
        ...inGoodStanding,
        ProjectSlots: () => ({ project: [], user_by_pk: { email: 'owner@example.com' } }),
        ClaimProjectSlot: () => ({ insert_project_one: { id: PROJECT_ID } }),
        ...queuedInline('create', 'CREATING'),
        SaveProvisionedProject: () => ({ update_project_by_pk: { id: PROJECT_ID } }),
        FindOwnProject: projectRow('STOPPED'),
      },
      qovery: [
        {
          route: 'POST /project/{projectId}/environment',
          status: 201,
          answer: (body) => ({
            id: ENVIRONMENT_ID,
            name: (body as { name: string }).name,
            created_at: new Date().toISOString(),
          }),
        },
        {
          route: 'POST /environment/{environmentId}/container',
          status: 201,
          answer: (body) => ({ id: uuid(), name: (body as { name: string }).name }),
        },
        {
          route: 'POST /environment/{environmentId}/database',
          status: 201,
          answer: (body) => ({ id: uuid(), name: (body as { name: string }).name }),
        },
        {
          route: 'POST /container/{containerId}/environmentVariable/import',
          status: 201,
          answer: (body) => {
            const vars = (body as { vars?: { name: string }[] }).vars ?? [];
            return {
              total_variables_to_import: vars.length,
              successful_imported_variables: vars.map((v) => ({ name: v.name, scope: 'CONTAINER' })),
            };
          },
        },
        {
          route: 'GET /container/{containerId}/link',
          status: 200,
          answer: () => ({ results: [{ url: APPWRITE_URL, is_default: true }] }),
        },
        {
          route: 'POST /variable',
          status: 201,
          answer: (body) => ({ id: uuid(), key: (body as { key: string }).key }),
        },
        {
          route: 'POST /environment/{environmentId}/job',
          status: 201,
          answer: (body) => ({ id: uuid(), name: (body as { name: string }).name }),
        },
        {
          route: 'POST /environment/{environmentId}/deploymentStage',
          status: 200,
          answer: (body) => ({ id: uuid(), name: (body as { name: string }).name }),
        },
        {
          route: 'PUT /deploymentStage/{stageId}/service/{serviceId}',
          status: 200,
          answer: () => ({ results: [] }),
        },
      ],
      output: ['id', 'name', 'url'],
    },
    {
      action: 'StartProject',
      input: { id: PROJECT_ID },
      session: user,
      hasura: {
        ...counted,
        ...inGoodStanding,
        FindOwnProject: projectRow('STOPPED'),
        ...queuedInline('start', 'STOPPED'),
        ...updated,
      },
      qovery: [
        environmentStatus('STOPPED'),
        {
          route: 'POST /environment/{environmentId}/deploy',
          status: 202,
          answer: (_body, [id]) => ({ id, state: 'DEPLOYMENT_QUEUED' }),
        },
      ],
      output: ['ok'],
    },
    {
      action: 'StopProject',
      input: { id: PROJECT_ID },
      session: user,
      hasura: {
        ...counted,
        FindOwnProject: projectRow('RUNNING'),
        ...queuedInline('stop', 'RUNNING'),
        ...updated,
      },
      qovery: [
        environmentStatus('DEPLOYED'),
        {
          route: 'POST /environment/{environmentId}/stop',
          status: 202,
          answer: (_body, [id]) => ({ id, state: 'STOP_QUEUED' }),
        },
      ],
      output: ['ok'],
    },
    {
      action: 'DeleteProject',
      input: { id: PROJECT_ID },
      session: user,
      hasura: {
        ...counted,
        FindOwnProject: projectRow('STOPPED'),
        ...queuedInline('delete', 'STOPPED'),
        ...updated,
      },
      qovery: [{ route: 'DELETE /environment/{environmentId}', status: 204, answer: () => undefined }],
      output: ['ok'],
    },
    {
      action: 'ProjectStatus',
      input: { id: PROJECT_ID },
      session: user,
      hasura: { ...counted, FindOwnProject: projectRow('RUNNING'), ...updated },
      qovery: [environmentStatus('DEPLOYED')],
      output: ['id', 'status', 'url'],
    },
    {
      action: 'VerifyEmail',
      input: { token: 'A'.repeat(43), password: PASSWORD },
      session: anonymous,
      hasura: {
        ...counted,
        UseTicket: () => ({
          update_account_ticket: { returning: [{ email: 'ada@example.com', password_hash: passwordHash }] },
        }),
        VerifyAccount: () => ({
          end_unverified: { affected_rows: 0 },
          update_user: { affected_rows: 1 },
          verified: { returning: [{ id: USER_ID }] },
        }),
        ...startSession,
      },
      qovery: [],
      output: ['accessToken', 'refreshToken'],
    },
    {
      action: 'ResetPassword',
      input: { token: 'B'.repeat(43), newPassword: PASSWORD },
      session: anonymous,
      hasura: {
        ...counted,
        UseTicket: () => ({
          update_account_ticket: { returning: [{ email: 'ada@example.com', password_hash: null }] },
        }),
        ResetAccountPassword: () => ({
          update_user: { returning: [{ id: USER_ID }] },
          update_refresh_token: { affected_rows: 1 },
        }),
      },
      qovery: [],
      output: ['ok'],
    },
    {
      action: 'ChangePassword',
      input: { oldPassword: PASSWORD, newPassword: `${PASSWORD} again` },
      session: user,
      hasura: {
        ...counted,
        FindAccount: () => ({
          user_by_pk: {
            id: USER_ID,
            email: 'ada@example.com',
            password_hash: passwordHash,
            email_verified: true,
          },
        }),
        ChangeAccountPassword: () => ({
          update_user_by_pk: { id: USER_ID },
          update_refresh_token: { affected_rows: 1 },
        }),
        ...startSession,
      },
      qovery: [],
      output: ['accessToken', 'refreshToken'],
    },
    ...(['RequestPasswordReset', 'ResendVerificationEmail'] as const).map(
      (action): Scenario => ({
        action,
        input: { email: 'ada@example.com' },
        session: anonymous,
        hasura: {
          ...counted,
          MailAccountLookup: () => ({ user: [{ id: USER_ID, email_verified: false }] }),
          InsertTicket: () => ({
            insert_account_ticket_one: { id: uuid() },
            delete_account_ticket: { affected_rows: 0 },
          }),
        },
        qovery: [],
        output: ['ok'],
      }),
    ),
  ];
  return Object.fromEntries(list.map((scenario) => [scenario.action, scenario]));
}
