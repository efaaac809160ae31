/**
 * The warm-overhead reference: each action written by hand as plainly as possible. Same upstream
 * calls (same documents, same Qovery requests and bodies, same bcrypt cost, same JWT claims) but
 * no middleware, no validation, no logging, no timeouts or retries, no client libraries: the
 * functions' own small HTTP client (lib/platform/http, over node:https, the cheapest transport
 * there is: Node's `fetch` costs a cold start ~19 ms more), `JSON`, node:crypto and bcryptjs. The bench checks that each makes exactly the round
 * trips its real counterpart makes.
 */
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import bcrypt from 'bcryptjs';
import { DEFAULT_SIZES, type QoverySettings } from '../../lib/instances/blueprint/blueprint';
import { containerRequest } from '../../lib/instances/blueprint/containers';
import { environmentRequest } from '../../lib/instances/blueprint/environment';
import { MIGRATE_STAGE, migrateJobRequest } from '../../lib/instances/blueprint/migrate';
import { caddyfileVariable } from '../../lib/instances/blueprint/proxy';
import { generateSecrets } from '../../lib/instances/blueprint/secrets';
import { services } from '../../lib/instances/blueprint/services';
import { containerVariables, environmentVariables } from '../../lib/instances/blueprint/variables';
import { variablesImport } from '../../lib/instances/blueprint/variables-import';
import { APPWRITE_VERSION } from '../../lib/instances/blueprint/versions';
import { consoleGateToken } from '../../lib/platform/appwrite/console-api';
import {
  AccountStanding,
  ChangeAccountPassword,
  FindAccount,
  InsertTicket,
  MailAccountLookup,
  ResetAccountPassword,
  SignupAccount,
  UseTicket,
  VerifyAccount,
} from '../../lib/platform/hasura/account-documents';
import * as documents from '../../lib/platform/hasura/documents';
import {
  DrawQoveryBudget,
  GiveBackQoveryBudget,
  InstanceTemplate,
} from '../../lib/platform/hasura/generated';
import { createHttpFetch } from '../../lib/platform/http/fetch';
import { bucketPolicy } from '../../lib/platform/storage';

interface Event {
  body?: string;
}
type Answer = { statusCode: number; headers: Record<string, string>; body: string };
type Bare = (event: Event) => Promise<Answer>;

const env = process.env as Record<string, string>;
const jwtKey = (JSON.parse(env.HASURA_GRAPHQL_JWT_SECRET ?? '{}') as { key: string }).key;
const cost = Number(env.BCRYPT_COST ?? 10);
const settings: QoverySettings = {
  apiUrl: env.QOVERY_API_URL ?? '',
  token: env.QOVERY_API_TOKEN ?? '',
  projectId: env.QOVERY_PROJECT_ID ?? '',
  registryId: env.QOVERY_REGISTRY_ID ?? '',
  instance: {
    version: APPWRITE_VERSION,
    sizes: DEFAULT_SIZES,
    emailFrom: { name: 'Appwrite', address: 'noreply@appwrite.io' },
    operatorEmail: 'noreply@appwrite.io',
    consoleClaimKey: env.CONSOLE_CLAIM_KEY ?? '',
  },
};
const s3 = new S3Client({ region: env.STORAGE_REGION ?? 'us-east-1' });
const ses = new SESv2Client({});
const iam = new IAMClient({});
const fetch = createHttpFetch();
const ACCESS_TTL_S = 900;
const REFRESH_TTL_MS = 2_592_000_000;

// biome-ignore lint/suspicious/noExplicitAny: answers are read as plain JSON, like in a quick script
type Json = any;

/** `query` is one of documents.ts (typed strings). */
async function hasura(operationName: string, query: object | string, variables: unknown): Promise<Json> {
  const response = await fetch(env.HASURA_GRAPHQL_ENDPOINT ?? '', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-hasura-admin-secret': env.HASURA_GRAPHQL_ADMIN_SECRET ?? '',
    },
    body: JSON.stringify({ query: String(query), operationName, variables }),
  });
  const result = (await response.json()) as { data?: Json; errors?: { message: string }[] };
  if (result.errors) throw new Error(result.errors[0]?.message);
  return result.data;
}

/**
 * The queue on a quiet day, as the project actions take it (lib/instances/queue/submit.ts): the
 * task recorded, claimed at once, its cost reserved from the budget in one draw, the project read,
 * the work done, the task finished.
 */
async function inlineTask(
  project: { id: number; ownerId: number },
  kind: 'create' | 'start' | 'stop' | 'delete',
  cost: number,
  work: () => Promise<void>,
): Promise<void> {
  const at = () => new Date().toISOString();
  const common = { perHour: 900 };
  await hasura('EnqueueInstanceTask', documents.EnqueueInstanceTask, {
    ...common,
    at: at(),
    projectId: project.id,
    ownerId: project.ownerId,
    kind,
    cost,
  });
  const claimed = await hasura('ClaimInstanceTask', documents.ClaimInstanceTask, {
    ...common,
    at: at(),
    leaseSeconds: 60,
    taskId: 1,
  });
  await hasura('DrawQoveryBudget', DrawQoveryBudget, { at: at(), units: cost, perHour: 900 });
  await hasura('FindProject', documents.FindProject, { id: project.id });
  await work();
  await hasura('FinishInstanceTask', documents.FinishInstanceTask, {
    ...common,
    at: at(),
    taskId: claimed.insert_instance_queue_op_one.claimed_id,
  });
}

/** A Qovery request within a task: its cost was reserved from the budget when the task began. */
async function qovery(method: string, path: string, body?: unknown): Promise<Json> {
  const response = await fetch(settings.apiUrl + path, {
    method,
    headers: { authorization: `Token ${settings.token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`Qovery ${method} ${path}: ${response.status}`);
  return text ? JSON.parse(text) : undefined;
}

const ok = (output: unknown): Answer => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(output),
});

const call = (event: Event) => {
  const payload = JSON.parse(event.body ?? '{}') as {
    input: { input: Json };
    session_variables: Record<string, string>;
  };
  return { input: payload.input.input, userId: Number(payload.session_variables['x-hasura-user-id']) };
};

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function accessToken(userId: number): string {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    'https://hasura.io/jwt/claims': {
      'x-hasura-default-role': 'user',
      'x-hasura-allowed-roles': ['user'],
      'x-hasura-user-id': String(userId),
    },
    sub: String(userId),
    iat: now,
    exp: now + ACCESS_TTL_S,
  };
  const signed = `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url(claims)}`;
  return `${signed}.${createHmac('sha256', jwtKey).update(signed).digest('base64url')}`;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const iso = (ms: number) => new Date(ms).toISOString();

/** The rate-limit count every action starts with (one mutation, as lib/action/rate-limit.ts sends it). */
async function countCall(key: string, limits: { key: string; max: number; window_seconds: number }[] = []) {
  const hit = { at: iso(Date.now()), delta: 1, limits: [{ key, max: 30, window_seconds: 60 }, ...limits] };
  await hasura('HitRateLimits', documents.HitRateLimits, { hit });
}

async function startSession(userId: number, giveBack: unknown[] = []) {
  const familyId = randomUUID();
  const refreshToken = `${familyId}.${randomBytes(32).toString('base64url')}`;
  const expiresAt = iso(Date.now() + REFRESH_TTL_MS);
  const token = {
    user_id: userId,
    family_id: familyId,
    token_hash: sha256(refreshToken),
    expires_at: expiresAt,
    family_expires_at: expiresAt,
  };
  await hasura('StartSession', documents.StartSession, {
    token,
    giveBack,
    evict: [],
    addresses: [],
    userId,
    now: iso(Date.now()),
  });
  return { accessToken: accessToken(userId), refreshToken };
}

async function findProject(id: number, ownerId: number) {
  const { project } = await hasura('FindOwnProject', documents.FindOwnProject, { id, ownerId });
  return project[0];
}

const move = (id: number, from: string, status: string) =>
  hasura('MoveProject', documents.MoveProject, { id, from, status, reason: null });

/** One email through SES, as lib/platform/mail sends it (text and HTML). */
async function mail(to: string, subject: string, link: string) {
  await ses.send(
    new SendEmailCommand({
      FromEmailAddress: env.MAIL_FROM,
      Destination: { ToAddresses: [to] },
      Content: {
        Simple: {
          Subject: { Data: subject, Charset: 'UTF-8' },
          Body: {
            Text: { Data: `Open ${link} within 24 hours.`, Charset: 'UTF-8' },
            Html: { Data: `<p><a href="${link}">${subject}</a> within 24 hours.</p>`, Charset: 'UTF-8' },
          },
        },
      },
    }),
  );
}

type Purpose = 'verify-email' | 'reset-password';

/** A mailed ticket's token and the row that stores only its hash. */
function newTicket(email: string, purpose: Purpose, ttlMs: number) {
  const token = randomBytes(32).toString('base64url');
  const now = Date.now();
  const ticket = {
    purpose,
    email,
    token_hash: sha256(token),
    expires_at: iso(now + ttlMs),
    created_at: iso(now),
  };
  return { token, ticket, now: iso(now) };
}

/** Spends a ticket of that purpose: its email. */
async function spendTicket(token: string, purpose: Purpose, now: string) {
  const { update_account_ticket } = await hasura('UseTicket', UseTicket, {
    hash: sha256(token),
    purpose,
    now,
  });
  return update_account_ticket.returning[0] as { email: string };
}

/** RequestPasswordReset and ResendVerificationEmail: lookup, ticket, email, for any address. */
async function mailTicket(event: Event, action: string, purpose: Purpose) {
  const { email } = call(event).input;
  await countCall(`action:${action}:address:unknown`, [
    { key: `mail:${purpose}:${sha256(email)}`, max: 5, window_seconds: 3600 },
  ]);
  await hasura('MailAccountLookup', MailAccountLookup, { email });
  const { token, ticket, now } = newTicket(email, purpose, 3_600_000);
  await hasura('InsertTicket', InsertTicket, { ticket, now });
  await mail(email, 'Your link', `${env.APP_URL}/${purpose}?token=${token}`);
  return ok({ ok: true });
}

export const RequestPasswordReset = (event: Event) =>
  mailTicket(event, 'RequestPasswordReset', 'reset-password');
export const ResendVerificationEmail = (event: Event) =>
  mailTicket(event, 'ResendVerificationEmail', 'verify-email');

/** VerifyEmail: the ticket spent, the account verified with the password given with it, a session. */
export async function VerifyEmail(event: Event): Promise<Answer> {
  const { token, password } = call(event).input;
  await countCall('action:VerifyEmail:address:unknown');
  const now = iso(Date.now());
  const ticket = await spendTicket(token, 'verify-email', now);
  const { verified } = await hasura('VerifyAccount', VerifyAccount, {
    email: ticket.email,
    passwordHash: await bcrypt.hash(password, cost),
    now,
    addresses: [],
  });
  return ok(await startSession(verified.returning[0].id));
}

/** ResetPassword: the ticket spent, the new password hashed and set, every session ended. */
export async function ResetPassword(event: Event): Promise<Answer> {
  const { token, newPassword } = call(event).input;
  await countCall('action:ResetPassword:address:unknown');
  const now = iso(Date.now());
  const ticket = await spendTicket(token, 'reset-password', now);
  const passwordHash = await bcrypt.hash(newPassword, cost);
  await hasura('ResetAccountPassword', ResetAccountPassword, {
    email: ticket.email,
    passwordHash,
    now,
    addresses: [],
  });
  return ok({ ok: true });
}

/** ChangePassword: the old password checked, the new one set, sessions ended, a new session. */
export async function ChangePassword(event: Event): Promise<Answer> {
  const { input, userId } = call(event);
  await countCall(`action:ChangePassword:user:${userId}`);
  const { user_by_pk: user } = await hasura('FindAccount', FindAccount, { id: userId });
  if (!(await bcrypt.compare(input.oldPassword, user.password_hash))) throw new Error('wrong password');
  const passwordHash = await bcrypt.hash(input.newPassword, cost);
  await hasura('ChangeAccountPassword', ChangeAccountPassword, {
    id: user.id,
    email: user.email,
    passwordHash,
    now: iso(Date.now()),
  });
  return ok(await startSession(user.id));
}

export async function Signup(event: Event): Promise<Answer> {
  const { email } = call(event).input;
  await countCall('action:Signup:address:unknown', [
    { key: 'signup:unknown', max: 5, window_seconds: 3600 },
    { key: 'signups', max: 200, window_seconds: 3600 },
    { key: `mail:verify-email:${sha256(email)}`, max: 5, window_seconds: 3600 },
  ]);
  // As the real one with verification on: the same calls for a new address and a taken one (one
  // lookup, one mutation writing the account and its ticket, one email); no password stored.
  await hasura('MailAccountLookup', MailAccountLookup, { email });
  const { token, ticket, now } = newTicket(email, 'verify-email', 86_400_000);
  await hasura('SignupAccount', SignupAccount, { email, ticket, now });
  await mail(email, 'Verify your email', `${env.APP_URL}/verify-email?token=${token}`);
  return ok({ accessToken: null, refreshToken: null, emailVerificationRequired: true });
}

export async function Signin(event: Event): Promise<Answer> {
  const { email, password } = call(event).input;
  const at = iso(Date.now());
  // As the real one from an address it has not seen: the strict limit (email and address) with the
  // action's, then, the address unknown, the email's own limit.
  const strict = [{ key: `signin:${sha256(email)}:unknown`, max: 10, window_seconds: 300 }];
  const loose = [{ key: `signin:${sha256(email)}`, max: 100, window_seconds: 300 }];
  await countCall('action:Signin:address:unknown', strict);
  const { user } = await hasura('SigninUser', documents.SigninUser, {
    email,
    keep: 9,
    now: at,
    address: '',
    since: at,
  });
  await hasura('HitRateLimits', documents.HitRateLimits, { hit: { at, delta: 1, limits: loose } });
  if (!(await bcrypt.compare(password, user[0].password_hash))) throw new Error('wrong password');
  const giveBack = [strict, loose].map((limits) => ({ at, delta: -1, limits }));
  return ok(await startSession(user[0].id, giveBack));
}

export async function RefreshToken(event: Event): Promise<Answer> {
  const { refreshToken: presented } = call(event).input;
  await countCall('action:RefreshToken:address:unknown');
  const familyId = presented.slice(0, 36);
  const { refresh_token } = await hasura('FindRefreshToken', documents.FindRefreshToken, {
    hash: sha256(presented),
    familyId,
  });
  const row = refresh_token[0];
  const refreshToken = `${familyId}.${randomBytes(32).toString('base64url')}`;
  const next = {
    user_id: row.user_id,
    family_id: row.family_id,
    token_hash: sha256(refreshToken),
    expires_at: iso(Date.now() + REFRESH_TTL_MS),
    family_expires_at: row.family_expires_at,
  };
  await hasura('RotateRefreshToken', documents.RotateRefreshToken, {
    id: row.id,
    now: iso(Date.now()),
    next,
    familyId,
  });
  return ok({ accessToken: accessToken(row.user_id), refreshToken });
}

export async function Signout(event: Event): Promise<Answer> {
  const { refreshToken } = call(event).input;
  await countCall('action:Signout:address:unknown');
  await hasura('EndSession', documents.EndSession, {
    hash: sha256(refreshToken),
    familyId: refreshToken.slice(0, 36),
  });
  return ok({ ok: true });
}

export async function CreateProject(event: Event): Promise<Answer> {
  const { input, userId } = call(event);
  await countCall(`action:CreateProject:user:${userId}`);
  await hasura('AccountStanding', AccountStanding, { id: userId });
  const slots = await hasura('ProjectSlots', documents.ProjectSlots, { ownerId: userId });
  const claimed = await hasura('ClaimProjectSlot', documents.ClaimProjectSlot, {
    ownerId: userId,
    slot: 1,
    name: input.name,
  });
  const id = claimed.insert_project_one.id;
  let url = '';
  await inlineTask({ id, ownerId: userId }, 'create', 30, async () => {
    url = await provisionFromBlueprint(id, slots.user_by_pk.email);
  });
  await findProject(id, userId);
  return ok({ id, name: input.name, url });
}

/** The create task's work: the blueprint's environment, services, variables, and the bucket. */
async function provisionFromBlueprint(id: number, ownerEmail: string): Promise<string> {
  // No recorded template in the scenario: the blueprint, as the function concludes.
  await hasura('InstanceTemplate', InstanceTemplate, {});
  const bucket = `${env.STORAGE_BUCKET_PREFIX ?? 'appwrite-cloud'}-${id}`;
  // The bucket, and an IAM user allowed that bucket only with a key of its own (provider `aws`).
  const bucketAndKeys = Promise.all([
    s3.send(new CreateBucketCommand({ Bucket: bucket })),
    (async () => {
      await iam.send(new CreateUserCommand({ UserName: bucket, Path: '/appwrite-cloud/' }));
      await iam.send(
        new PutUserPolicyCommand({
          UserName: bucket,
          PolicyName: 'instance-bucket',
          PolicyDocument: JSON.stringify(bucketPolicy(bucket)),
        }),
      );
      return (await iam.send(new CreateAccessKeyCommand({ UserName: bucket }))).AccessKey;
    })(),
  ]);
  const environment = await qovery(
    'POST',
    `/project/${settings.projectId}/environment`,
    environmentRequest(settings, id),
  );
  const list = services(settings.instance);
  // The containers, AppWrite's migrate job and the stage it runs in (after the containers).
  const [job, stage, ...created] = await Promise.all([
    qovery('POST', `/environment/${environment.id}/job`, migrateJobRequest(settings)),
    qovery('POST', `/environment/${environment.id}/deploymentStage`, {
      name: MIGRATE_STAGE,
      description: 'AppWrite migrate, once every container is up',
    }),
    ...list.map((spec) =>
      qovery('POST', `/environment/${environment.id}/container`, containerRequest(settings, spec)),
    ),
  ]);
  const ids: Record<string, string> = Object.fromEntries(list.map((spec, i) => [spec.name, created[i].id]));
  const secrets = generateSecrets();
  const [, key] = await bucketAndKeys;
  const vars = environmentVariables(settings.instance, {
    secrets,
    storage: {
      bucket,
      region: env.STORAGE_REGION ?? 'us-east-1',
      endpoint: '',
      accessKeyId: key?.AccessKeyId ?? '',
      secretAccessKey: key?.SecretAccessKey ?? '',
    },
    ownerEmail,
    ownerAccountExists: false,
    consoleGate: consoleGateToken(settings.instance.consoleClaimKey, environment.id),
  });
  const [links] = await Promise.all([
    qovery('GET', `/container/${ids.proxy}/link`),
    qovery('POST', '/variable', caddyfileVariable(ids.proxy ?? '')),
    qovery('PUT', `/deploymentStage/${stage.id}/service/${job.id}`),
    ...list
      .filter((spec) => spec.variables)
      .map((spec) =>
        qovery(
          'POST',
          `/container/${ids[spec.name]}/environmentVariable/import`,
          variablesImport(
            [
              ...(spec.name === 'mariadb' ? [{ scope: 'ENVIRONMENT' as const, vars }] : []),
              { scope: 'CONTAINER' as const, vars: containerVariables(spec, secrets) },
            ],
            ids,
          ),
        ),
      ),
  ]);
  const url = links.results[0].url;
  await hasura('SaveProvisionedProject', documents.SaveProvisionedProject, {
    id,
    set: {
      status: 'STOPPED',
      url,
      qovery_environment_id: environment.id,
      qovery_appwrite_id: ids.proxy,
      qovery_mariadb_id: ids.mariadb,
      qovery_redis_id: ids.redis,
    },
  });
  return url;
}

export async function StartProject(event: Event): Promise<Answer> {
  const { input, userId } = call(event);
  await countCall(`action:StartProject:user:${userId}`);
  await hasura('AccountStanding', AccountStanding, { id: userId });
  const row = await findProject(input.id, userId);
  await inlineTask({ id: input.id, ownerId: userId }, 'start', 2, async () => {
    await qovery('GET', `/environment/${row.qovery_environment_id}/status`);
    await qovery('POST', `/environment/${row.qovery_environment_id}/deploy`);
    await move(input.id, 'STOPPED', 'STARTING');
  });
  return ok({ ok: true });
}

export async function StopProject(event: Event): Promise<Answer> {
  const { input, userId } = call(event);
  await countCall(`action:StopProject:user:${userId}`);
  const row = await findProject(input.id, userId);
  await inlineTask({ id: input.id, ownerId: userId }, 'stop', 2, async () => {
    await qovery('GET', `/environment/${row.qovery_environment_id}/status`);
    await qovery('POST', `/environment/${row.qovery_environment_id}/stop`);
    await move(input.id, 'RUNNING', 'STOPPING');
  });
  return ok({ ok: true });
}

export async function DeleteProject(event: Event): Promise<Answer> {
  const { input, userId } = call(event);
  await countCall(`action:DeleteProject:user:${userId}`);
  const row = await findProject(input.id, userId);
  // Reserved as a lookup by name and the delete; with the environment's id on the row, the lookup
  // is not needed and its unit goes back to the budget.
  await inlineTask({ id: input.id, ownerId: userId }, 'delete', 2, async () => {
    await move(input.id, row.status, 'DELETING');
    await qovery('DELETE', `/environment/${row.qovery_environment_id}`);
    await hasura('GiveBackQoveryBudget', GiveBackQoveryBudget, { at: new Date().toISOString(), units: -1 });
  });
  return ok({ ok: true });
}

export async function ProjectStatus(event: Event): Promise<Answer> {
  const { input, userId } = call(event);
  await countCall(`action:ProjectStatus:user:${userId}`);
  // As the real handler: the row alone, which the reconciler and the queue keep true.
  const row = await findProject(input.id, userId);
  return ok({ id: input.id, status: row.status, url: row.url });
}

/** Every bare handler by action name (the warm bench loads them all from one bundle). */
export const bare: Record<string, Bare> = {
  Signup,
  Signin,
  RefreshToken,
  Signout,
  CreateProject,
  StartProject,
  StopProject,
  DeleteProject,
  ProjectStatus,
  RequestPasswordReset,
  ResendVerificationEmail,
  VerifyEmail,
  ResetPassword,
  ChangePassword,
};

/** The one bcrypt operation of Signup (hash) and Signin (compare), alone, at the same cost. */
export const bcryptOnly: Record<string, (password: string, hash: string) => Promise<unknown>> = {
  // Signup stores no password while e-mail verification is on (the default): VerifyEmail hashes the
  // one chosen with the emailed code.
  VerifyEmail: (password) => bcrypt.hash(password, cost),
  Signin: (password, hash) => bcrypt.compare(password, hash),
  ResetPassword: (password) => bcrypt.hash(password, cost),
  ChangePassword: async (password, hash) => [
    await bcrypt.compare(password, hash),
    await bcrypt.hash(password, cost),
  ],
};
