import type { Context } from 'aws-lambda';
import {
  type AccountChanges,
  type AccountDeletion,
  type AccountEmails,
  createAccountChanges,
  createAccountDeletion,
  createAccountEmails,
  createSessions,
  createSignup,
  type Sessions,
  type Signup,
} from '../accounts';
import { createPasswords } from '../accounts/passwords';
import { readAccounts, readAuth, readJwt } from '../accounts/settings';
import { createAccessTokens } from '../accounts/tokens';
import type { Runtime } from '../action/handler';
import { createRateLimiter, type RateLimiter } from '../action/rate-limit';
import { secretCheck } from '../action/secret';
import { readActions, readLimits } from '../action/settings';
import { createLogger, type Logger } from '../basics/log';
import { type ActionMetrics, createMetrics } from '../basics/metrics';
import type { Env } from '../basics/settings';
import { createQoveryBudget, hasuraBudgetStore } from '../instances/budget';
import { createOwnerConsole, type OwnerConsole, secureConsolesStep } from '../instances/console-seat';
import { createDomains, type Domains } from '../instances/domains';
import { readDomains } from '../instances/domains/settings';
import {
  createInstanceOperations,
  createInstances,
  type Instances,
  provisionCalls,
} from '../instances/instances';
import {
  createConsoleClaim,
  createProjectRemoval,
  createProjects,
  type Projects,
  type ProjectsDeps,
} from '../instances/projects';
import { recordedTemplate } from '../instances/provision-strategy';
import { work } from '../instances/queue';
import { createReconciler } from '../instances/reconciler';
import { domainsStep } from '../instances/reconciler/domains';
import {
  type QoveryConfig,
  readInstance,
  readQovery,
  readReconcile,
  readWebhook,
} from '../instances/settings';
import { upgradesStep } from '../instances/upgrades';
import { createCaptchaVerifier } from '../platform/captcha';
import { readCaptcha } from '../platform/captcha/settings';
import { createHasuraClient, type HasuraClient } from '../platform/hasura/client';
// Upstream calls over node:http(s) with keep-alive: Node's fetch (undici) costs ~19 ms of a cold start.
import { httpFetch } from '../platform/http/fetch';
import { createMailer, createSender } from '../platform/mail';
import { readMail } from '../platform/mail/settings';
import { createQoveryClient } from '../platform/qovery/client';
import { type SecretsOptions, withSecrets } from '../platform/secrets';
import { createStorage } from '../platform/storage';
import { readStorage } from '../platform/storage/settings';
import {
  type Config,
  loadConfigWith,
  type Readers,
  type Section,
  secretsOf,
  settingsOfReaders,
} from './config';
import { readCore } from './settings';

/**
 * What each function builds once per cold start, from validated configuration. Handlers get it
 * through `actionHandler(action, runtime)`; tests build their own runtime with fakes instead.
 *
 * `defineRuntime(readers, build)` is the one place that says which settings a function uses: the
 * sections whose readers it is given (`{ core: readCore, ... }`, each in the `settings.ts` of the
 * code that uses it; lib/runtime/config.ts lists them all) are all it can read, and its bundle
 * carries those readers alone. `npx serverless package` gives the function exactly those, in its
 * environment (plain settings) and its IAM role (its secrets' SSM parameters): plugins/settings.js
 * reads `handler.sections` (the readers' names) from each function's module.
 */

export interface RuntimeDefinition<S extends Section, T> {
  (): Promise<T>;
  readonly sections: readonly S[];
  /** Builds the runtime from `env` (secrets from SSM when SECRETS_SSM_PATH is set). */
  load(env: Env, options?: SecretsOptions): Promise<T>;
}

/**
 * Mark each use `/* @__PURE__ *\/ defineRuntime(...)`: a top-level call is kept by esbuild unless
 * annotated, and then every function's bundle would carry every runtime (bcrypt, the Qovery client...).
 */
export function defineRuntime<S extends Section, T>(
  readers: Readers<S>,
  build: (config: Config<S>) => T,
): RuntimeDefinition<S, T> {
  const sections = Object.keys(readers) as S[];
  const secrets = settingsOfReaders(readers).filter((s) => s.secret);
  const names = secrets.map((s) => s.name);
  const optional = secrets.filter((s) => s.optional).map((s) => s.name);
  const load = async (env: Env, options?: SecretsOptions) =>
    build(loadConfigWith(await withSecrets(env, names, { optional, ...options }), readers));
  return Object.assign(() => load(process.env), { sections, load });
}

/**
 * The handler of a function that is not a Hasura Action (scheduled, webhook): the runtime is built
 * on the first invocation and kept for the cold start (rebuilt after a failure), and
 * `handler.sections` declares the function's settings for packaging, as actionHandler does.
 */
export function lambdaHandler<S extends Section, T, E, R>(
  runtime: RuntimeDefinition<S, T>,
  handle: (runtime: T, event: E, context: Context) => Promise<R>,
): ((event: E, context: Context) => Promise<R>) & { readonly sections: readonly S[] } {
  let built: Promise<T> | undefined;
  const handler = async (event: E, context: Context) => {
    built ??= runtime().catch((error: unknown) => {
      built = undefined;
      throw error;
    });
    return handle(await built, event, context);
  };
  return Object.assign(handler, { sections: runtime.sections });
}

function base(config: Config<'core' | 'actions' | 'limits'>) {
  const { core, actions } = config;
  const hasura = createHasuraClient({ ...core.hasura, fetch: httpFetch });
  const limiter = createRateLimiter({ hasura });
  return {
    actionsSecret: actions.secret,
    log: createLogger({ level: core.logLevel, secrets: secretsOf(config) }),
    metrics: createMetrics(core.metricsNamespace),
    budgetMs: actions.budgetMs,
    limits: { limiter, settings: config.limits },
    hasura,
    limiter,
  };
}

function sessionsOf(
  config: Config<'jwt' | 'auth' | 'limits' | 'accounts'>,
  hasura: HasuraClient,
  limiter: RateLimiter,
): Sessions {
  return createSessions({
    hasura,
    limiter,
    passwords: createPasswords(config.auth.bcryptCost),
    accessTokens: createAccessTokens(config.jwt, config.auth.accessTokenTtlSeconds),
    // Whether an unverified account may sign in (only when verification is off).
    config: {
      ...config.auth,
      ...config.limits,
      requireEmailVerification: config.accounts.requireEmailVerification,
    },
    now: Date.now,
  });
}

function mailerOf(config: Config<'mail'>, log: Logger) {
  const { mail } = config;
  return createMailer(createSender(mail), { productName: mail.productName, appUrl: mail.appUrl }, log);
}

// `@__PURE__` lets esbuild drop the runtime a function does not use, with everything only it
// imports: the sign-in bundles carry no Qovery client and the project bundles no bcrypt. Each
// runtime builds only the part of lib/accounts its actions call, so that the JWT key, bcrypt or a
// mailer reach only the functions that use them.

/** Signin, RefreshToken, Signout: Hasura, bcrypt and the JWT key; no email, no Qovery. */
export const sessionsRuntime = /* @__PURE__ */ defineRuntime(
  {
    core: readCore,
    actions: readActions,
    limits: readLimits,
    jwt: readJwt,
    auth: readAuth,
    accounts: readAccounts,
  },
  (config): Runtime<{ accounts: Sessions }> => {
    const { hasura, limiter, ...rest } = base(config);
    return { ...rest, deps: { accounts: sessionsOf(config, hasura, limiter) } };
  },
);

/** VerifyEmail, ResetPassword, ChangePassword: tickets, bcrypt and a new session; no email. */
export const accountChangesRuntime = /* @__PURE__ */ defineRuntime(
  {
    core: readCore,
    actions: readActions,
    limits: readLimits,
    jwt: readJwt,
    auth: readAuth,
    accounts: readAccounts,
  },
  (config): Runtime<{ accounts: AccountChanges }> => {
    const { hasura, limiter, ...rest } = base(config);
    const accounts = createAccountChanges({
      hasura,
      passwords: createPasswords(config.auth.bcryptCost),
      sessions: sessionsOf(config, hasura, limiter),
      accounts: config.accounts,
      now: Date.now,
    });
    return { ...rest, deps: { accounts } };
  },
);

/** Signup: bcrypt, a mailer, a session when verification is off, and the CAPTCHA check (its secret). */
export const signupRuntime = /* @__PURE__ */ defineRuntime(
  {
    core: readCore,
    actions: readActions,
    limits: readLimits,
    jwt: readJwt,
    auth: readAuth,
    accounts: readAccounts,
    mail: readMail,
    captcha: readCaptcha,
  },
  (config): Runtime<{ accounts: Signup }> => {
    const { hasura, limiter, ...rest } = base(config);
    const accounts = createSignup({
      hasura,
      passwords: createPasswords(config.auth.bcryptCost),
      sessions: sessionsOf(config, hasura, limiter),
      mailer: mailerOf(config, rest.log),
      accounts: config.accounts,
      now: Date.now,
    });
    return { ...rest, captcha: createCaptchaVerifier(config.captcha), deps: { accounts } };
  },
);

/**
 * ResendVerificationEmail, RequestPasswordReset: a ticket, an email and the CAPTCHA check (its
 * secret); neither bcrypt nor the JWT key.
 */
export const accountEmailsRuntime = /* @__PURE__ */ defineRuntime(
  {
    core: readCore,
    actions: readActions,
    limits: readLimits,
    accounts: readAccounts,
    mail: readMail,
    captcha: readCaptcha,
  },
  (config): Runtime<{ accounts: AccountEmails }> => {
    const { hasura, limiter: _limiter, ...rest } = base(config);
    const accounts = createAccountEmails({
      hasura,
      mailer: mailerOf(config, rest.log),
      accounts: config.accounts,
      now: Date.now,
    });
    return { ...rest, captcha: createCaptchaVerifier(config.captcha), deps: { accounts } };
  },
);

/**
 * A function's Qovery client and the deployment's budget it draws every request from
 * (lib/instances/budget), which every function and the reconciler share through Hasura; the
 * budget itself for operations that reserve their calls at once.
 */
function budgetedQoveryClientOf(qovery: QoveryConfig, hasura: HasuraClient, log: Logger) {
  const budget = createQoveryBudget({
    store: hasuraBudgetStore(hasura, qovery.requestsPerHour),
    perHour: qovery.requestsPerHour,
    log,
  });
  return {
    budget,
    client: createQoveryClient({ baseUrl: qovery.apiUrl, token: qovery.token, budget, fetch: httpFetch }),
  };
}

/**
 * What the project actions and the queue's worker share: Hasura, the instances on a Qovery client
 * drawing from the budget, the storage, the console seat, and the queue's settings (the budget for
 * its reservations and estimates, a create's cost with these settings).
 */
function projectsDepsOf(
  config: Config<'qovery' | 'instance' | 'storage'>,
  hasura: HasuraClient,
  log: Logger,
  requireEmailVerification: boolean,
  metrics?: ActionMetrics,
) {
  const { qovery } = config;
  const settings = { ...qovery, instance: config.instance };
  const { client, budget, deps: common } = queueDepsOf(config, hasura, log, requireEmailVerification);
  const instances: Instances = createInstances({
    client,
    settings,
    log,
    // CreateProject clones the recorded template when it is current (lib/instances/provision-strategy).
    template: recordedTemplate(hasura),
    metrics,
  });
  const deps: ProjectsDeps = { ...common, instances, createCost: provisionCalls(settings).calls };
  return { deps, instances, client, budget };
}

/** What every project operation's queue needs but the instances: Hasura, the budget, the storage. */
function queueDepsOf(
  config: Config<'qovery' | 'instance' | 'storage'>,
  hasura: HasuraClient,
  log: Logger,
  requireEmailVerification: boolean,
) {
  const { qovery } = config;
  const { client, budget } = budgetedQoveryClientOf(qovery, hasura, log);
  const deps = {
    hasura,
    storage: createStorage(config.storage),
    maxProjectsPerUser: qovery.maxProjectsPerUser,
    requireEmailVerification,
    appwriteVersion: config.instance.version,
    budget,
    requestsPerHour: qovery.requestsPerHour,
    requestsPerOwnerPerHour: qovery.requestsPerOwnerPerHour,
  };
  return { client, budget, deps };
}

/**
 * The queue's deps on instances that cannot provision (DeleteAccount deletes, ClaimConsole opens
 * the console), so that those bundles carry neither the blueprint nor provisioning
 * (tests/unit/bundles.test.ts).
 */
function operationsDepsOf(
  config: Config<'qovery' | 'instance' | 'storage' | 'accounts'>,
  hasura: HasuraClient,
  log: Logger,
) {
  const { client, deps } = queueDepsOf(config, hasura, log, config.accounts.requireEmailVerification);
  const settings = { ...config.qovery, instance: config.instance };
  return { ...deps, instances: createInstanceOperations({ client, settings, log }) };
}

/** The same with the console seat of each instance, for the reconciler (it takes owners' seats). */
function withConsoleSeat(
  config: Config<'instance'>,
  hasura: HasuraClient,
  parts: ReturnType<typeof projectsDepsOf>,
) {
  const ownerConsole: OwnerConsole = createOwnerConsole({
    hasura,
    instances: parts.instances,
    claimKey: config.instance.consoleClaimKey,
  });
  return { ...parts, ownerConsole, deps: { ...parts.deps, ownerConsole } };
}

/** CreateProject, StartProject, StopProject, DeleteProject, ProjectStatus: no console seat to take. */
function buildProjects(
  config: Config<'qovery' | 'instance' | 'storage' | 'accounts'>,
  hasura: HasuraClient,
  log: Logger,
  metrics?: ActionMetrics,
) {
  return createProjects(
    projectsDepsOf(config, hasura, log, config.accounts.requireEmailVerification, metrics).deps,
  );
}

/** ClaimConsole's: the console seat on instances that cannot provision. */
function consoleClaimOf(
  config: Config<'qovery' | 'instance' | 'storage' | 'accounts'>,
  hasura: HasuraClient,
  log: Logger,
) {
  const deps = operationsDepsOf(config, hasura, log);
  const claimKey = config.instance.consoleClaimKey;
  return createConsoleClaim({
    ...deps,
    ownerConsole: createOwnerConsole({ hasura, instances: deps.instances, claimKey }),
  });
}

/** Project actions: Hasura, Qovery and the instances' object storage; never the JWT signing key. */
export const projectsRuntime = /* @__PURE__ */ defineRuntime(
  {
    core: readCore,
    actions: readActions,
    limits: readLimits,
    qovery: readQovery,
    instance: readInstance,
    storage: readStorage,
    accounts: readAccounts,
  },
  (config): Runtime<{ projects: Projects }> => {
    const { hasura, limiter: _limiter, ...rest } = base(config);
    return { ...rest, deps: { projects: buildProjects(config, hasura, rest.log, rest.metrics) } };
  },
);

/** ClaimConsole: Hasura, Qovery (the console's opening) and the console claim key; never the JWT key. */
export const consoleRuntime = /* @__PURE__ */ defineRuntime(
  {
    core: readCore,
    actions: readActions,
    limits: readLimits,
    qovery: readQovery,
    instance: readInstance,
    storage: readStorage,
    accounts: readAccounts,
  },
  (config): Runtime<{ projects: Pick<Projects, 'claimConsole'> }> => {
    const { hasura, limiter: _limiter, ...rest } = base(config);
    return { ...rest, deps: { projects: consoleClaimOf(config, hasura, rest.log) } };
  },
);

/** AddDomain, RemoveDomain, SetPrimaryDomain: Hasura and Qovery (budgeted); no storage, no JWT key. */
export const domainsRuntime = /* @__PURE__ */ defineRuntime(
  { core: readCore, actions: readActions, limits: readLimits, qovery: readQovery, domains: readDomains },
  (config): Runtime<{ domains: Domains }> => {
    const { hasura, limiter: _limiter, ...rest } = base(config);
    const { client, budget } = budgetedQoveryClientOf(config.qovery, hasura, rest.log);
    const domains = createDomains({ hasura, client, budget, maxPerProject: config.domains.maxPerProject });
    return { ...rest, deps: { domains } };
  },
);

/** DeleteAccount: the password checked, then the account's projects go through DeleteProject's path; no JWT key. */
export const accountDeletionRuntime = /* @__PURE__ */ defineRuntime(
  {
    core: readCore,
    actions: readActions,
    limits: readLimits,
    auth: readAuth,
    accounts: readAccounts,
    qovery: readQovery,
    instance: readInstance,
    storage: readStorage,
  },
  (config): Runtime<{ accounts: AccountDeletion }> => {
    const { hasura, limiter: _limiter, ...rest } = base(config);
    const accounts = createAccountDeletion({
      hasura,
      passwords: createPasswords(config.auth.bcryptCost),
      // The account's projects are deleted: no console seat to take, nothing to provision.
      projects: createProjectRemoval(operationsDepsOf(config, hasura, rest.log)),
    });
    return { ...rest, deps: { accounts } };
  },
);

/**
 * The scheduled reconciler: Hasura, Qovery and the instances' storage (a confirmed deletion takes
 * its bucket), the console claim key (it takes the owner's console seat); neither the actions' secret nor the JWT key.
 */
function buildReconciler(
  config: Config<'core' | 'qovery' | 'instance' | 'storage' | 'reconcile' | 'domains'>,
) {
  const { core, reconcile } = config;
  const log = createLogger({ level: core.logLevel, secrets: secretsOf(config) });
  const hasura = createHasuraClient({ ...core.hasura, fetch: httpFetch });
  // The worker's tasks were asked by users whose standing their actions checked.
  const {
    deps: projects,
    instances,
    ownerConsole,
    client,
    budget,
  } = withConsoleSeat(config, hasura, projectsDepsOf(config, hasura, log, false));
  const reconciler = createReconciler({
    hasura,
    instances,
    storage: createStorage(config.storage),
    log,
    // The queue of instance work, carried out within the budget before the other phases.
    worker: ({ deadline }) => work(projects, { deadline, log }),
    // The owner's console seat, taken as soon as the instance runs (lib/instances/console-seat); the
    // upgrades an operator asked for (lib/instances/upgrades).
    steps: [
      secureConsolesStep(ownerConsole, { hasura, log }),
      upgradesStep({ hasura, instances, log }),
      domainsStep({ hasura, client, budget, log, checksPerRun: config.domains.checksPerRun }),
    ],
    orphanGraceMs: reconcile.orphanGraceSeconds * 1000,
    revokedTokenRetentionMs: reconcile.revokedTokenRetentionSeconds * 1000,
  });
  return { log, reconciler };
}

export const reconcileRuntime = /* @__PURE__ */ defineRuntime(
  {
    core: readCore,
    qovery: readQovery,
    instance: readInstance,
    storage: readStorage,
    reconcile: readReconcile,
    domains: readDomains,
  },
  buildReconciler,
);

/** The Qovery webhook: what the reconciler reads, and the webhook's secret. */
export const webhookRuntime = /* @__PURE__ */ defineRuntime(
  {
    core: readCore,
    qovery: readQovery,
    instance: readInstance,
    storage: readStorage,
    reconcile: readReconcile,
    webhook: readWebhook,
    domains: readDomains,
  },
  (config) => ({ ...buildReconciler(config), secret: config.webhook.secret }),
);

/**
 * The API Gateway authorizers in front of every route (lib/action/authorizer.ts): each holds one
 * secret and nothing else (no Hasura client, no logger), because it runs before every call whose
 * answer API Gateway has not cached, and its cold start comes before the handler's.
 */
export const actionsAuthorizerRuntime = /* @__PURE__ */ defineRuntime(
  { actions: readActions },
  ({ actions }) => secretCheck(actions.secret),
);

/** The webhook route's: Qovery's secret alone (what `Qovery-Signature` carries). */
export const webhookAuthorizerRuntime = /* @__PURE__ */ defineRuntime(
  { webhook: readWebhook },
  ({ webhook }) => secretCheck(webhook.secret),
);
