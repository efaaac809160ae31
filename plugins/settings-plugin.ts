import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { METRICS_NAMESPACE_VARIABLE } from '../lib/basics/metrics';
import type { Env, SettingInfo } from '../lib/basics/settings';
import {
  EXTENSION_PORT_VARIABLE,
  EXTENSION_TIMEOUT_MS,
  normalisePath,
  SECRETS_PATH_VARIABLE,
} from '../lib/platform/secrets';
import { configProblems, type Section, settingsOf } from '../lib/runtime/config';

/**
 * The settings of each function, derived from its code (plugins/settings.js loads this file).
 *
 * Each function module's `handler.sections` (lib/runtime/index.ts `defineRuntime`) says which settings it
 * reads; their section readers (lib/runtime/config.ts lists them) say which of those are secrets. From that, for every function:
 * - `package`/`deploy`: its environment holds its PLAIN settings only (from the deployer's
 *   environment, or `stages/<stage>.env`), plus SECRETS_SSM_PATH and the settings of the
 *   Parameters and Secrets extension it reads them through (EXTENSION_ENVIRONMENT); its secrets stay in SSM;
 *   its own IAM role may read only its own parameters `<path><NAME>`, write its own log group and
 *   send traces (plus `iamStatements` of the function, and provider.iam.role.statements);
 * - before anything is built, every plain setting of every function is validated with the very
 *   rules of those readers, and every problem is listed at once; `deploy` also reads the secrets
 *   from SSM (names only in messages, never values) and validates them;
 * - `offline`: its environment holds all its settings from the local environment (no AWS).
 */

/**
 * The settings of the AWS Parameters and Secrets Lambda Extension (the layer of serverless.yml),
 * set on every function that has secrets: AWS's names and defaults in "AWS Parameters and Secrets
 * Lambda Extension environment variables",
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/ps-integration-lambda-extensions.html
 */
export const EXTENSION_ENVIRONMENT: Readonly<Record<string, string>> = {
  // Where lib/platform/secrets.ts asks (2773 is the default; stated, since the function reads it).
  [EXTENSION_PORT_VARIABLE]: '2773',
  // A function reads its secrets once per cold start and keeps them: the extension's cache serves
  // only a runtime built again after a failure (lib/runtime/index.ts) in the same environment.
  // A minute, so that a parameter the operator fixed after such a failure is taken soon.
  PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED: 'TRUE',
  SSM_PARAMETER_STORE_TTL: '60',
  // The default (0) waits for SSM forever; the function stops waiting after EXTENSION_TIMEOUT_MS.
  SSM_PARAMETER_STORE_TIMEOUT_MILLIS: String(EXTENSION_TIMEOUT_MS - 1000),
  PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL: 'WARN',
};

export interface FunctionDefinition {
  handler: string;
  name?: string;
  role?: unknown;
  environment?: Record<string, unknown>;
  iamStatements?: unknown[];
}

export interface ServerlessLike {
  serviceDir: string;
  service: {
    service: string;
    provider: {
      stage: string;
      tracing?: { lambda?: boolean | string };
      iam?: { role?: { statements?: unknown[] } | string };
      environment?: Record<string, unknown>;
    };
    custom?: { settings?: { path?: string; stageFile?: string; metricsNamespace?: string } };
    functions: Record<string, FunctionDefinition>;
    resources?: { Resources?: Record<string, unknown> };
  };
  processedInput?: { commands?: string[] };
  classes: { Error: new (message: string) => Error };
  configSchemaHandler?: { defineFunctionProperties(provider: string, schema: object): void };
  getProvider(name: 'aws'): {
    request(service: string, method: string, params: object): Promise<unknown>;
  };
}

type Log = { notice?(m: string): void; info?(m: string): void; warning?(m: string): void };

/** Reads `handler.sections` of a function module (plugins/settings.js passes a TypeScript loader). */
export type SectionsLoader = (file: string) => Promise<readonly Section[] | undefined>;

export interface FunctionSettings {
  name: string;
  sections: readonly Section[];
  settings: SettingInfo[];
}

export class SettingsPlugin {
  readonly hooks: Record<string, () => Promise<void> | void>;
  private prepared = false;

  constructor(
    private readonly serverless: ServerlessLike,
    private readonly options: { function?: string; stage?: string },
    private readonly log: Log,
    private readonly loadSections: SectionsLoader,
    private readonly env: Env = process.env,
  ) {
    this.hooks = {
      'before:package:initialize': () => this.forAws(this.isDeploy()),
      'before:deploy:function:initialize': () => this.forAws(true),
      'before:offline:start': () => this.forOffline(),
      'before:offline:start:init': () => this.forOffline(),
    };
  }

  get stage(): string {
    return this.options.stage ?? this.serverless.service.provider.stage;
  }

  /** `/appwrite-cloud/<stage>/` unless custom.settings.path says otherwise. */
  get path(): string {
    return normalisePath(this.serverless.service.custom?.settings?.path ?? `/appwrite-cloud/${this.stage}/`);
  }

  /** `AppWriteCloud/<stage>` unless custom.settings.metricsNamespace says otherwise. */
  get metricsNamespace(): string {
    return this.serverless.service.custom?.settings?.metricsNamespace ?? `AppWriteCloud/${this.stage}`;
  }

  private isDeploy(): boolean {
    return this.serverless.processedInput?.commands?.[0] === 'deploy';
  }

  private cache: FunctionSettings[] | undefined;

  async functions(): Promise<FunctionSettings[]> {
    if (this.cache) return this.cache;
    const selected = Object.entries(this.serverless.service.functions).filter(
      ([name]) => this.options.function === undefined || name === this.options.function,
    );
    this.cache = [];
    for (const [name, fn] of selected) {
      const file = join(this.serverless.serviceDir, fn.handler.replace(/\.[^./]+$/, ''));
      const sections = await this.loadSections(file);
      if (!Array.isArray(sections) || sections.length === 0)
        throw new this.serverless.classes.Error(
          `Function ${name}: ${fn.handler} must export a handler built with a runtime from lib/runtime/index.ts ` +
            '(defineRuntime({ ...section readers }, build)), so that its settings, secrets and IAM role are known.',
        );
      this.cache.push({ name, sections, settings: settingsOf(sections) });
    }
    return this.cache;
  }

  /** The deployer's plain settings: the environment, over `stages/<stage>.env` when it exists. */
  plainEnv(functions: FunctionSettings[]): { env: Env; problems: string[] } {
    const file = join(
      this.serverless.serviceDir,
      this.serverless.service.custom?.settings?.stageFile ?? `stages/${this.stage}.env`,
    );
    const fromFile: Env = existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {};
    const secretNames = new Set(
      settingsOf(allSections(functions))
        .filter((s) => s.secret)
        .map((s) => s.name),
    );
    const problems = Object.keys(fromFile)
      .filter((name) => secretNames.has(name))
      .map(
        (name) => `${name} is a secret: put it in SSM Parameter Store (${this.path}${name}), not in ${file}`,
      );
    return { env: { ...fromFile, ...this.env }, problems };
  }

  async forAws(checkSecrets: boolean): Promise<void> {
    if (this.prepared) return;
    const functions = await this.functions();
    const { env, problems } = this.plainEnv(functions);
    const secrets = checkSecrets ? await this.readSecrets(functions, problems) : {};
    for (const fn of functions) {
      const found = configProblems({ ...env, ...secrets }, fn.sections, {
        secrets: checkSecrets ? 'check' : 'skip',
      });
      // A missing parameter is already reported with its full name.
      const missing = (p: string) =>
        p.endsWith(' is required') && problems.some((q) => q.startsWith(`${p.split(' ')[0]}: SSM parameter`));
      for (const p of found) if (!problems.includes(p) && !missing(p)) problems.push(p);
    }
    if (problems.length > 0)
      throw new this.serverless.classes.Error(
        `Invalid settings for stage "${this.stage}" (${problems.length} problem${problems.length === 1 ? '' : 's'}), nothing was built or uploaded:\n- ${problems.join('\n- ')}\n` +
          'Plain settings come from the environment or stages/<stage>.env; secrets from SSM Parameter Store (docs/deploy.md).',
      );

    const { provider } = this.serverless.service;
    if (provider.environment && Object.keys(provider.environment).length > 0)
      throw new this.serverless.classes.Error(
        'provider.environment must stay empty: each function gets its own settings (plugins/settings-plugin.ts).',
      );
    for (const fn of functions) {
      const definition = this.serverless.service.functions[fn.name] as FunctionDefinition;
      const plain = fn.settings.filter(
        (s) =>
          !s.secret &&
          s.name !== METRICS_NAMESPACE_VARIABLE &&
          env[s.name] !== undefined &&
          env[s.name] !== '',
      );
      // Where the alarms of serverless.yml look for the metrics.
      const metrics = fn.settings.some((s) => s.name === METRICS_NAMESPACE_VARIABLE)
        ? { [METRICS_NAMESPACE_VARIABLE]: this.metricsNamespace }
        : {};
      const secretNames = fn.settings.filter((s) => s.secret).map((s) => s.name);
      definition.environment = {
        ...definition.environment,
        ...Object.fromEntries(plain.map((s) => [s.name, env[s.name]])),
        ...metrics,
        ...(secretNames.length > 0 ? { [SECRETS_PATH_VARIABLE]: this.path, ...EXTENSION_ENVIRONMENT } : {}),
      };
      const roleId = `${logicalId(fn.name)}SettingsRole`;
      this.serverless.service.resources ??= {};
      this.serverless.service.resources.Resources ??= {};
      this.serverless.service.resources.Resources[roleId] = this.role(definition, secretNames);
      definition.role = roleId;
    }
    this.prepared = true;
    this.log.info?.(`settings: ${functions.length} functions, secrets from SSM under ${this.path}`);
  }

  /** The function's own role: its log group, traces, its own parameters, its own extra statements. */
  role(fn: FunctionDefinition, secretNames: string[]): object {
    const { provider } = this.serverless.service;
    const functionName = fn.name ?? '';
    const statements: unknown[] = [
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: {
          'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${functionName}:*`,
        },
      },
    ];
    if (provider.tracing?.lambda)
      statements.push({
        Effect: 'Allow',
        Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
        Resource: '*',
      });
    // The extension reads each parameter with GetParameter, decrypted, as this role: with the
    // AWS-managed key (aws/ssm) that needs no kms:Decrypt statement, as SSM decrypts on its behalf.
    if (secretNames.length > 0)
      statements.push({
        Effect: 'Allow',
        Action: ['ssm:GetParameter'],
        Resource: secretNames.map((name) => ({
          'Fn::Sub': `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${this.path}${name}`,
        })),
      });
    const shared = typeof provider.iam?.role === 'object' ? (provider.iam.role.statements ?? []) : [];
    statements.push(...shared, ...(fn.iamStatements ?? []));
    return {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { Service: ['lambda.amazonaws.com'] }, Action: ['sts:AssumeRole'] },
          ],
        },
        Policies: [
          {
            PolicyName: `${functionName}-settings`.slice(0, 128),
            PolicyDocument: { Version: '2012-10-17', Statement: statements },
          },
        ],
      },
    };
  }

  /** Deploy only: reads every function's secrets from SSM (with the deployer's credentials). */
  async readSecrets(functions: FunctionSettings[], problems: string[]): Promise<Env> {
    const names = [
      ...new Set(functions.flatMap((f) => f.settings.filter((s) => s.secret).map((s) => s.name))),
    ];
    const aws = this.serverless.getProvider('aws');
    const found: Env = {};
    for (let i = 0; i < names.length; i += 10) {
      const batch = names.slice(i, i + 10);
      let answer: { Parameters?: { Name?: string; Value?: string }[] };
      try {
        answer = (await aws.request('SSM', 'getParameters', {
          Names: batch.map((n) => `${this.path}${n}`),
          WithDecryption: true,
        })) as typeof answer;
      } catch (error) {
        problems.push(`cannot read SSM parameters under ${this.path}: ${(error as Error).message}`);
        return found;
      }
      for (const p of answer.Parameters ?? [])
        if (p.Name && p.Value !== undefined) found[p.Name.slice(this.path.length)] = p.Value;
    }
    const optional = new Set(
      functions.flatMap((f) => f.settings.filter((s) => s.secret && s.optional).map((s) => s.name)),
    );
    for (const name of names)
      if (found[name] === undefined && !optional.has(name))
        problems.push(
          `${name}: SSM parameter ${this.path}${name} is missing (aws ssm put-parameter --type SecureString --name ${this.path}${name} --value ...)`,
        );
    return found;
  }

  async forOffline(): Promise<void> {
    if (this.prepared) return;
    for (const fn of await this.functions()) {
      const definition = this.serverless.service.functions[fn.name] as FunctionDefinition;
      const own = fn.settings.filter((s) => this.env[s.name] !== undefined);
      definition.environment = {
        ...definition.environment,
        ...Object.fromEntries(own.map((s) => [s.name, this.env[s.name]])),
      };
    }
    this.prepared = true;
  }
}

function allSections(functions: FunctionSettings[]): Section[] {
  return [...new Set(functions.flatMap((f) => f.sections))];
}

/** Serverless's logical id of a function name: `createProject` → `CreateProject`. */
export function logicalId(name: string): string {
  const normalised = name.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');
  return normalised.charAt(0).toUpperCase() + normalised.slice(1);
}
