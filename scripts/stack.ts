import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ReconcileSummary } from '../lib/instances/reconciler';
import { reconcileRuntime } from '../lib/runtime';
import { type CaptchaStandIn, HCAPTCHA_TEST, startCaptchaStandIn, TURNSTILE_TEST } from '../sandbox/captcha';
import { startHasuraStandIn } from '../sandbox/hasura';
import {
  type ContractViolation,
  LOCAL_REGISTRY_ID,
  parseRateLimit,
  startQoveryStandIn,
} from '../sandbox/qovery';
import { startS3StandIn } from '../sandbox/s3';
import { spawnNodeChild, stopProcess } from './supervise';

export { stopProcess };

/**
 * The whole system on one machine: the Hasura stand-in (PGlite), the Qovery stand-in and every
 * handler served by serverless-offline, wired with development secrets. Used by `npm start` and by
 * the end-to-end tests, so both run the very same wiring.
 */

export const ROOT = resolve(__dirname, '..');

export interface DevSecrets {
  HASURA_GRAPHQL_ADMIN_SECRET: string;
  HASURA_GRAPHQL_JWT_SECRET: string;
  ACTIONS_SECRET: string;
  QOVERY_API_TOKEN: string;
  CONSOLE_CLAIM_KEY: string;
  /**
   * Not secrets, but random once per stage like them, so kept with them: this machine's deployment
   * names its environments and buckets as a stage on AWS does (the stand-ins would do without), and
   * keeps the same values across restarts, so the environments of an earlier run stay its own.
   */
  QOVERY_DEPLOYMENT_ID: string;
  STORAGE_BUCKET_ID: string;
}

export function generateSecrets(): DevSecrets {
  const random = () => randomBytes(24).toString('base64url');
  return {
    HASURA_GRAPHQL_ADMIN_SECRET: random(),
    HASURA_GRAPHQL_JWT_SECRET: JSON.stringify({ type: 'HS256', key: randomBytes(32).toString('base64url') }),
    ACTIONS_SECRET: random(),
    QOVERY_API_TOKEN: `qov_dev_${random()}`,
    CONSOLE_CLAIM_KEY: randomBytes(32).toString('base64url'),
    QOVERY_DEPLOYMENT_ID: randomBytes(6).toString('hex'),
    STORAGE_BUCKET_ID: randomBytes(6).toString('hex'),
  };
}

/** Development secrets, generated on first run and kept under .local/ (git-ignored). */
export function loadOrCreateSecrets(dir: string): DevSecrets {
  const file = join(dir, 'dev-secrets.json');
  // A file from before a value existed gets the new one, generated and written back: the ids must
  // stay the same from one start to the next.
  const kept = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<DevSecrets>) : undefined;
  const secrets = { ...generateSecrets(), ...kept };
  if (kept && Object.keys(secrets).every((name) => Object.hasOwn(kept, name))) return secrets;
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return secrets;
}

/** An email as the mail catcher's API lists it. */
export interface CaughtEmail {
  id: string;
  subject: string;
  text: string;
  html: string;
  to: { address: string }[];
  from: { address: string; name?: string }[];
  time: string;
}

export interface MailCatcher {
  smtpPort: number;
  /** The web inbox, to open in a browser. */
  webUrl: string;
  /** Every email received so far, oldest first. */
  emails(): Promise<CaughtEmail[]>;
  close(): Promise<void>;
}

/**
 * MailDev (an SMTP server and a web inbox, npm package `maildev`) in a child process: it is an ES
 * module and a server of its own, so it runs beside us rather than inside. Emails are kept in
 * `mailDir` (a fresh temporary directory when absent). Ports not given are free ones, chosen again
 * if another process takes one before MailDev binds it.
 */
export async function startMailCatcher(
  options: { smtpPort?: number; webPort?: number; mailDir?: string } = {},
): Promise<MailCatcher> {
  const mailDir = options.mailDir ?? mkdtempSync(join(tmpdir(), 'maildev-'));
  const removeDir = () => {
    if (options.mailDir === undefined) rmSync(mailDir, { recursive: true, force: true });
  };
  const started = await retryOnPortRace(
    async () => {
      const smtpPort = options.smtpPort || (await freePort());
      const webPort = options.webPort || (await freePort());
      return { smtpPort, webPort, child: await startMailDev(smtpPort, webPort, mailDir) };
    },
    options.smtpPort && options.webPort ? 1 : 3,
  ).catch((error: unknown) => {
    removeDir();
    throw error;
  });
  const { smtpPort, child } = started;
  const webUrl = `http://127.0.0.1:${started.webPort}`;
  return {
    smtpPort,
    webUrl,
    async emails() {
      const response = await fetch(`${webUrl}/api/email`);
      if (!response.ok) throw new Error(`MailDev answered HTTP ${response.status}`);
      return ((await response.json()) as CaughtEmail[]).sort((a, b) => a.time.localeCompare(b.time));
    },
    async close() {
      await stopProcess(child);
      removeDir();
    },
  };
}

async function startMailDev(smtpPort: number, webPort: number, mailDir: string): Promise<ChildProcess> {
  const bin = join(ROOT, 'node_modules', 'maildev', 'dist', 'bin', 'maildev.js');
  const args = ['--smtp', String(smtpPort), '--web', String(webPort), '--ip', '127.0.0.1'];
  args.push('--web-ip', '127.0.0.1', '--mail-directory', mailDir);
  const child = spawnNodeChild(bin, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((ready, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error('MailDev did not start within 30 s')), 30_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      void stopProcess(child);
      reject(new Error(`${error.message}\n${output.slice(-2000)}`));
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/Press Ctrl\+C to stop/.test(output)) {
        clearTimeout(timer);
        ready();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => fail(new Error(`MailDev exited with code ${code}`)));
  });
  return child;
}

export interface StackOptions {
  secrets: DevSecrets;
  /** PGlite data directory; in memory when absent. */
  dataDir?: string;
  hasuraPort?: number;
  qoveryPort?: number;
  s3Port?: number;
  /** Where the S3 stand-in keeps its buckets; a temporary directory when absent. */
  s3Dir?: string;
  /**
   * serverless-offline's ports. Free ones when absent, chosen again (with the whole stack started
   * again) if another process takes one while serverless-offline bundles the functions.
   */
  actionsPort?: number;
  lambdaPort?: number;
  /** Time per Qovery state transition in the stand-in. */
  qoveryStepMs?: number;
  /** The mail catcher's ports (free ones when absent) and where it keeps emails (a temporary directory). */
  mailSmtpPort?: number;
  mailWebPort?: number;
  mailDir?: string;
  extraEnv?: Record<string, string>;
  onOutput?: (chunk: string) => void;
  /**
   * Run the reconciler in this process every so many ms, as the schedule does in production
   * (serverless-offline does not run schedules). 0 or absent: not at all.
   */
  reconcileEveryMs?: number;
  /** Called after each reconciler run (npm start prints what changed). */
  onReconcile?: (summary: ReconcileSummary) => void;
  /** Where the Qovery stand-in's contract violations go (default: the list tests fail on). */
  onQoveryViolation?: (violation: ContractViolation) => void;
  /** Keep the Qovery stand-in's state in this file across restarts (`npm start`). */
  qoveryStateFile?: string;
  /** Told what is being started, step by step (a first start takes 20–40 s). */
  onStep?: (message: string) => void;
}

type HasuraStandIn = Awaited<ReturnType<typeof startHasuraStandIn>>;
type QoveryStandIn = Awaited<ReturnType<typeof startQoveryStandIn>>;
type S3StandIn = Awaited<ReturnType<typeof startS3StandIn>>;

export interface Stack {
  graphqlUrl: string;
  actionsUrl: string;
  qoveryUrl: string;
  s3Url: string;
  env: Record<string, string>;
  hasura: HasuraStandIn;
  qovery: QoveryStandIn;
  s3: S3StandIn;
  /** Runs the reconciler once now (it also runs every `reconcileEveryMs`). */
  reconcile(): Promise<ReconcileSummary>;
  mail: MailCatcher;
  /** The CAPTCHA stand-in, when CAPTCHA_PROVIDER asks for a check (see `startCaptcha`). */
  captcha?: CaptchaStandIn;
  close(): Promise<void>;
}

const QOVERY_PROJECT_ID = '00000000-0000-4000-8000-00000000c10d';

/** Rate limits of the local stack (`npm start`, e2e tests): loose, since every caller is 127.0.0.1. */
export const LOCAL_LIMITS: Record<string, string> = {
  RATE_LIMIT_PER_USER: '1000',
  RATE_LIMIT_PER_ADDRESS: '10000',
  SIGNUPS_PER_ADDRESS_PER_HOUR: '10000',
  SIGNUPS_PER_HOUR: '10000',
  SIGNIN_MAX_FAILURES: '100',
  SIGNIN_MAX_FAILURES_PER_EMAIL: '1000',
  // The walkthrough (README.md, docs/walkthrough.md) mails one address three times a run; it may be run again and again.
  MAILS_PER_EMAIL_PER_WINDOW: '1000',
  MAILS_PER_ADDRESS_PER_HOUR: '100000',
  MAILS_PER_HOUR: '1000000',
  // The local reconciler reads every environment's status every couple of seconds (one Qovery
  // call each time, 60 times what production does): the stand-in's Qovery has no hourly limit.
  QOVERY_REQUESTS_PER_HOUR: '100000',
};

export function startStack(options: StackOptions): Promise<Stack> {
  return retryOnPortRace(
    async () =>
      startStackOn({
        ...options,
        actionsPort: options.actionsPort || (await freePort()),
        lambdaPort: options.lambdaPort || (await freePort()),
      }),
    options.actionsPort && options.lambdaPort ? 1 : 3,
  );
}

/** The servers the handlers talk to, each closed again if a later one fails to start. */
interface StandIns {
  hasura: HasuraStandIn;
  qovery: QoveryStandIn;
  s3: S3StandIn;
  mail: MailCatcher;
}

async function startStackOn(
  options: StackOptions & { actionsPort: number; lambdaPort: number },
): Promise<Stack> {
  const { actionsPort, lambdaPort } = options;
  const actionsUrl = `http://127.0.0.1:${actionsPort}`;
  const step = options.onStep ?? (() => {});
  const standIns = await startStandIns(options, actionsUrl, step);
  const { hasura, qovery, s3, mail } = standIns;
  let captcha: Awaited<ReturnType<typeof startCaptcha>>;
  const closeStandIns = () =>
    Promise.allSettled([hasura.close(), qovery.close(), s3.close(), mail.close(), captcha?.standIn.close()]);
  try {
    captcha = await startCaptcha({ ...process.env, ...options.extraEnv }, step);
  } catch (error) {
    await closeStandIns();
    throw error;
  }
  const env = { ...stackEnv(options, standIns), ...captcha?.env };
  let offline: ChildProcess | undefined;
  step('the handlers under serverless-offline (esbuild bundles every function: 20–40 s the first time)');
  try {
    offline = await startOffline({ env, actionsPort, lambdaPort, onOutput: options.onOutput });
  } catch (error) {
    await closeStandIns();
    throw error;
  }
  const reconciling = await startReconciling(env, options);
  return {
    graphqlUrl: hasura.graphqlUrl,
    actionsUrl,
    qoveryUrl: qovery.url,
    s3Url: s3.endpoint,
    env,
    hasura,
    qovery,
    s3,
    reconcile: reconciling.reconcile,
    mail,
    ...(captcha ? { captcha: captcha.standIn } : {}),
    async close() {
      await reconciling.stop();
      await stopProcess(offline);
      await closeStandIns();
    },
  };
}

/**
 * The CAPTCHA stand-in (sandbox/captcha), only when CAPTCHA_PROVIDER asks for a check: the
 * handlers then verify against it, with the provider's "always passes" test secret unless
 * CAPTCHA_SECRET says otherwise (another test key), so that the widget's test sitekey works
 * locally. A CAPTCHA_VERIFY_URL that is set is kept: the operator points it elsewhere on purpose.
 */
export async function startCaptcha(
  given: Record<string, string | undefined>,
  step: (message: string) => void = () => {},
): Promise<{ standIn: CaptchaStandIn; env: Record<string, string> } | undefined> {
  const provider = given.CAPTCHA_PROVIDER?.trim();
  if (provider !== 'turnstile' && provider !== 'hcaptcha') return undefined;
  step(`CAPTCHA stand-in (${provider} siteverify, the documented test keys)`);
  const standIn = await startCaptchaStandIn();
  const testSecret = provider === 'turnstile' ? TURNSTILE_TEST.passes : HCAPTCHA_TEST.secret;
  return {
    standIn,
    env: {
      CAPTCHA_PROVIDER: provider,
      CAPTCHA_SECRET: given.CAPTCHA_SECRET?.trim() || testSecret,
      CAPTCHA_VERIFY_URL: given.CAPTCHA_VERIFY_URL?.trim() || standIn.verifyUrl[provider],
    },
  };
}

async function startStandIns(
  options: StackOptions,
  actionsUrl: string,
  step: (message: string) => void,
): Promise<StandIns> {
  const { secrets } = options;
  step('Qovery stand-in');
  // Qovery's budget per API token (e.g. 1000/3600), for a run that must show the control plane
  // keeps within it; off unless set.
  const rateLimit = parseRateLimit(process.env.QOVERY_STANDIN_RATE_LIMIT);
  const qovery = await startQoveryStandIn({
    port: options.qoveryPort ?? 0,
    token: secrets.QOVERY_API_TOKEN,
    stepMs: options.qoveryStepMs ?? 1500,
    projectIds: [QOVERY_PROJECT_ID],
    ...(options.onQoveryViolation ? { onViolation: options.onQoveryViolation } : {}),
    ...(options.qoveryStateFile ? { stateFile: options.qoveryStateFile } : {}),
    ...(rateLimit ? { rateLimit } : {}),
  });
  step('S3 stand-in (s3rver)');
  const s3 = await startS3StandIn({ port: options.s3Port ?? 0, directory: options.s3Dir }).catch(
    async (error: unknown) => {
      await qovery.close();
      throw error;
    },
  );
  const mail = await startMailCatcher({
    smtpPort: options.mailSmtpPort,
    webPort: options.mailWebPort,
    mailDir: options.mailDir,
  }).catch(async (error: unknown) => {
    await Promise.allSettled([qovery.close(), s3.close()]);
    throw error;
  });
  step(
    options.dataDir
      ? 'Hasura stand-in (PGlite; the first start creates the database and applies the migrations)'
      : 'Hasura stand-in (PGlite, in memory)',
  );
  const hasura = await startHasuraStandIn({
    projectDir: join(ROOT, 'hasura-metadata'),
    port: options.hasuraPort ?? 0,
    dataDir: options.dataDir,
    env: {
      HASURA_GRAPHQL_ADMIN_SECRET: secrets.HASURA_GRAPHQL_ADMIN_SECRET,
      HASURA_GRAPHQL_JWT_SECRET: secrets.HASURA_GRAPHQL_JWT_SECRET,
      HASURA_GRAPHQL_UNAUTHORIZED_ROLE: 'anonymous',
      ACTIONS_BASE_URL: actionsUrl,
      ACTIONS_SECRET: secrets.ACTIONS_SECRET,
    },
    // Locally the stand-in plays the load balancer too: the handlers key anonymous rate limits on
    // the address it appends (CLIENT_ADDRESS_DEPTH 1: no API Gateway appends after it here).
    appendForwardedFor: true,
  }).catch(async (error: unknown) => {
    await Promise.allSettled([qovery.close(), s3.close(), mail.close()]);
    throw error;
  });
  return { hasura, qovery, s3, mail };
}

/** The handlers' settings: the stand-ins' addresses, the development secrets, loose limits. */
function stackEnv(options: StackOptions, { hasura, qovery, s3, mail }: StandIns): Record<string, string> {
  const { secrets } = options;
  return {
    HASURA_GRAPHQL_ENDPOINT: hasura.graphqlUrl,
    HASURA_GRAPHQL_ADMIN_SECRET: secrets.HASURA_GRAPHQL_ADMIN_SECRET,
    HASURA_GRAPHQL_JWT_SECRET: secrets.HASURA_GRAPHQL_JWT_SECRET,
    ACTIONS_SECRET: secrets.ACTIONS_SECRET,
    QOVERY_API_URL: qovery.url,
    QOVERY_API_TOKEN: secrets.QOVERY_API_TOKEN,
    CONSOLE_CLAIM_KEY: secrets.CONSOLE_CLAIM_KEY,
    QOVERY_PROJECT_ID,
    QOVERY_ENVIRONMENT_PREFIX: 'local',
    QOVERY_DEPLOYMENT_ID: secrets.QOVERY_DEPLOYMENT_ID,
    // The secret a Qovery webhook would carry (Qovery-Signature); locally nothing calls it.
    QOVERY_WEBHOOK_SECRET: randomBytes(24).toString('base64url'),
    QOVERY_REGISTRY_ID: LOCAL_REGISTRY_ID,
    CLIENT_ADDRESS_DEPTH: '1',
    // Every local caller is 127.0.0.1: limits for a crowd of users, not for one.
    ...LOCAL_LIMITS,
    STORAGE_PROVIDER: 's3-compatible',
    STORAGE_ENDPOINT: s3.endpoint,
    STORAGE_BUCKET_ID: secrets.STORAGE_BUCKET_ID,
    STORAGE_REGION: s3.region,
    STORAGE_ACCESS_KEY_ID: s3.accessKeyId,
    STORAGE_SECRET_ACCESS_KEY: s3.secretAccessKey,
    // Emails go to the mail catcher; their links point at the web app's would-be address.
    MAIL_TRANSPORT: 'smtp',
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(mail.smtpPort),
    SMTP_SECURITY: 'none',
    MAIL_FROM: 'AppWrite Cloud <no-reply@localhost>',
    APP_URL: 'http://localhost:5173',
    ...options.extraEnv,
  };
}

/**
 * The reconciler, built exactly as its Lambda builds it, from the same settings; quiet unless it
 * fails (onReconcile sees every summary). Run every `reconcileEveryMs` when given, as the schedule
 * does in production; `stop` waits for a run under way.
 */
async function startReconciling(
  env: Record<string, string>,
  options: Pick<StackOptions, 'reconcileEveryMs' | 'onReconcile'>,
): Promise<{ reconcile: () => Promise<ReconcileSummary>; stop: () => Promise<void> }> {
  const { reconciler } = await reconcileRuntime.load({ ...env, LOG_LEVEL: 'warn' });
  const reconcile = () =>
    reconciler.run({ deadline: Date.now() + RECONCILE_BUDGET_MS }).then((summary) => {
      options.onReconcile?.(summary);
      return summary;
    });
  let stopped = false;
  let running: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const loop = () => {
    if (stopped) return;
    running = reconcile()
      .catch(() => undefined)
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, options.reconcileEveryMs);
      });
  };
  if (options.reconcileEveryMs) timer = setTimeout(loop, options.reconcileEveryMs);
  return {
    reconcile,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

/** A local run's budget (production: the function's remaining time). */
const RECONCILE_BUDGET_MS = 20_000;

/** Runs `serverless offline start` and resolves once it listens; rejects on exit or after 120 s. */
export function startOffline(options: {
  env: Record<string, string>;
  actionsPort: number;
  lambdaPort: number;
  onOutput?: (chunk: string) => void;
}): Promise<ChildProcess> {
  const cli = join(ROOT, 'node_modules', 'serverless', 'bin', 'serverless.js');
  const child = spawnNodeChild(cli, ['offline', 'start'], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...options.env,
      ACTIONS_PORT: String(options.actionsPort),
      ACTIONS_LAMBDA_PORT: String(options.lambdaPort),
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolveReady, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error('serverless-offline did not start within 120 s')), 120_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      void stopProcess(child);
      reject(new Error(`${error.message}\n${output.slice(-4000)}`));
    };
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      output += text;
      options.onOutput?.(text);
      if (/Server ready:/.test(output)) {
        clearTimeout(timer);
        resolveReady(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => fail(new Error(`serverless-offline exited with code ${code}`)));
  });
}

/**
 * Ports the kernel never hands out on its own: below its range of ephemeral ports (Linux: 32768 and
 * up, read from /proc; elsewhere IANA's 49152 and up). A server or a client connection that asks
 * for "any port" cannot take one of these, so only another process choosing the same way can.
 */
function explicitPortRange(): { low: number; high: number } {
  let ephemeralLow = 49152;
  try {
    ephemeralLow = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0],
    );
  } catch {
    // not Linux: IANA's range
  }
  return { low: 20_000, high: Math.max(20_000, Math.min(ephemeralLow, 49152) - 1) };
}

/**
 * A TCP port free on 127.0.0.1 right now, for a server started a moment later (by another
 * process: a server of ours listens on port 0 and reads its port instead). Chosen at random below
 * the ephemeral ports, so that only another such choice can take it before the server binds it;
 * wrap the start in `retryOnPortRace` for that case.
 */
export async function freePort(): Promise<number> {
  const { low, high } = explicitPortRange();
  for (let tries = 0; tries < 50 && high > low; tries++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (await canListen(port)) return port;
  }
  return listenOn(0);
}

function canListen(port: number): Promise<boolean> {
  return listenOn(port).then(
    () => true,
    () => false,
  );
}

/** Listens on 127.0.0.1:port, closes, and answers the port it had. */
function listenOn(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const bound = (server.address() as AddressInfo).port;
      server.close(() => resolve(bound));
    });
  });
}

/**
 * Starts something on ports chosen by `freePort` a moment before, starting it again on new ports
 * (up to `attempts` times in all) when another process took one in between (EADDRINUSE). `start`
 * must choose its ports itself and clean up after a failure.
 */
export async function retryOnPortRace<T>(start: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      if (attempt >= attempts || !/EADDRINUSE/.test(String(error))) throw error;
    }
  }
}
