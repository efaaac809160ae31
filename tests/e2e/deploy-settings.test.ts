import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadedAtColdStart } from '../../bench/lib/esm';
import { functionSpecs } from '../../bench/lib/serverless-config';
import { readZip } from '../../bench/lib/zip';
import { settingsOf } from '../../lib/runtime/config';
import { EXTENSION_ENVIRONMENT } from '../../plugins/settings-plugin';
import { functionsRuntime } from '../helpers/functions';

/**
 * What `serverless package` and `serverless print` make of the settings: no secret value anywhere
 * (the deployer's environment holds some here, on purpose), each function only its own settings,
 * each role only its own parameters, and invalid settings stop everything before the build.
 */

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'node_modules/serverless/bin/serverless.js');
const SENTINEL = 'SENTINEL-never-in-a-template';
const deployerEnv = {
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '',
  SLS_TELEMETRY_DISABLED: '1',
  HASURA_GRAPHQL_ENDPOINT: 'https://hasura.example.com/v1/graphql',
  QOVERY_PROJECT_ID: '2d1c4b9e-6f0a-4c3e-9b7d-1a2b3c4d5e6f',
  QOVERY_REGISTRY_ID: '7e2c1a90-0000-4000-8000-0000000d0c4e',
  QOVERY_ENVIRONMENT_PREFIX: 'prod',
  QOVERY_DEPLOYMENT_ID: '0a1b2c3d4e5f',
  STORAGE_BUCKET_ID: '9f8e7d6c5b',
  LOG_LEVEL: 'info',
  APP_URL: 'https://cloud.example.com',
  MAIL_FROM: 'AppWrite Cloud <no-reply@example.com>',
  // A careless deployer with every secret in their shell: none of it may reach AWS.
  HASURA_GRAPHQL_ADMIN_SECRET: `${SENTINEL}-admin`,
  HASURA_GRAPHQL_JWT_SECRET: JSON.stringify({ type: 'HS256', key: `${SENTINEL}-jwt-key-0123456789` }),
  ACTIONS_SECRET: `${SENTINEL}-actions`,
  QOVERY_API_TOKEN: `${SENTINEL}-qovery`,
};

async function serverless(args: string[], env: Record<string, string>) {
  return promisify(execFile)(process.execPath, [CLI, ...args], { cwd: ROOT, timeout: 180_000, env });
}

type Template = { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };

describe('serverless package, for a stage', () => {
  const out = mkdtempSync(join(tmpdir(), 'sls-settings-'));
  let template: Template;
  let texts: string;
  beforeAll(async () => {
    await serverless(['package', '--stage', 'prod', '--package', out], deployerEnv);
    texts = readdirSync(out)
      .filter((f) => f.endsWith('.json'))
      .map((f) => readFileSync(join(out, f), 'utf8'))
      .join('\n');
    template = JSON.parse(readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8'));
  }, 200_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('writes no secret value in any file it produces', () => {
    expect(texts.length).toBeGreaterThan(1000);
    expect(texts).not.toContain(SENTINEL);
  });

  it.each(functionsRuntime())(
    'gives $name only its plain settings, the SSM path and the settings of the secrets extension',
    async ({ name, file }) => {
      const fn = template.Resources[`${name.charAt(0).toUpperCase()}${name.slice(1)}LambdaFunction`];
      const environment = fn?.Properties.Environment as { Variables: Record<string, string> } | undefined;
      const variables = environment?.Variables ?? {};
      const settings = settingsOf(await file());
      const plain = settings.filter((s) => !s.secret).map((s) => s.name);
      // The metrics namespace goes to the functions that send metrics (the authorizers send none).
      const metrics = plain.includes('POWERTOOLS_METRICS_NAMESPACE');
      expect(Object.keys(variables).sort()).toEqual(
        [
          ...plain.filter((n) => n in deployerEnv),
          ...(metrics ? ['POWERTOOLS_METRICS_NAMESPACE'] : []),
          'SECRETS_SSM_PATH',
          ...Object.keys(EXTENSION_ENVIRONMENT),
        ].sort(),
      );
      for (const [key, value] of Object.entries(EXTENSION_ENVIRONMENT)) expect(variables[key]).toBe(value);
      if (metrics) expect(variables.POWERTOOLS_METRICS_NAMESPACE).toBe('AppWriteCloud/prod');
      expect(variables.SECRETS_SSM_PATH).toBe('/appwrite-cloud/prod/');
    },
  );

  it.each(functionsRuntime())('lets $name read only its own parameters', async ({ name, file }) => {
    const id = `${name.charAt(0).toUpperCase()}${name.slice(1)}`;
    const fn = template.Resources[`${id}LambdaFunction`];
    expect(fn?.Properties.Role).toEqual({ 'Fn::GetAtt': [`${id}SettingsRole`, 'Arn'] });
    const role = template.Resources[`${id}SettingsRole`]?.Properties as {
      Policies: { PolicyDocument: { Statement: { Action: string[]; Resource: unknown }[] } }[];
    };
    const statements = role.Policies.flatMap((p) => p.PolicyDocument.Statement);
    const ssm = statements.filter((s) => s.Action.some((a) => a.startsWith('ssm:')));
    const secrets = settingsOf(await file()).filter((s) => s.secret);
    expect(ssm).toHaveLength(1);
    expect(ssm[0]?.Resource).toEqual(
      secrets.map((s) => ({
        'Fn::Sub': `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter/appwrite-cloud/prod/${s.name}`,
      })),
    );
    expect(JSON.stringify(statements)).not.toMatch(/"Resource":"\*"[^}]*ssm|ssm:\*|parameter\/\*/);
  });

  it('gives every function the Parameters and Secrets extension, the latest for its architecture', () => {
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions.length).toBe(functionSpecs().length);
    for (const fn of functions) {
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      expect(fn.Properties.Layers).toEqual([
        {
          'Fn::Sub': '{{resolve:ssm:/aws/service/aws-parameters-and-secrets-lambda-extension/arm64/latest}}',
        },
      ]);
    }
  });

  it('packs each function as an ES module (.mjs) with every chunk its entry imports', () => {
    for (const spec of functionSpecs()) {
      const files = readZip(join(out, `${spec.name}.zip`));
      expect(files.has(spec.bundlePath)).toBe(true);
      const loaded = loadedAtColdStart(files, spec.bundlePath);
      expect(loaded[0]).toBe(spec.bundlePath);
      expect(loaded.every((file) => file.endsWith('.mjs'))).toBe(true);
    }
  });

  it('traces every function, logs JSON, and alarms on unexpected failures and on Qovery unavailable', () => {
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThan(0);
    for (const fn of functions) {
      expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
      expect(fn.Properties.LoggingConfig).toMatchObject({ LogFormat: 'JSON' });
    }
    const alarms = Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
      .map((r) => JSON.stringify(r.Properties));
    expect(alarms).toEqual([
      expect.stringMatching(/"Namespace":"AppWriteCloud\/prod","MetricName":"UnexpectedFailures"/),
      expect.stringMatching(/"MetricName":"QoveryFailures".*"Value":"unavailable"/),
    ]);
  });

  it('leaves no shared role that every function could use', () => {
    expect(template.Resources.IamRoleLambdaExecution).toBeUndefined();
  });
});

describe('serverless print', () => {
  it('shows no secret value', async () => {
    const { stdout } = await serverless(['print', '--stage', 'prod'], deployerEnv);
    expect(stdout).toContain('appwrite-cloud-functions');
    expect(stdout).not.toContain(SENTINEL);
  }, 120_000);
});

describe('invalid settings', () => {
  it('stop packaging before anything is built, listing every problem at once', async () => {
    const out = mkdtempSync(join(tmpdir(), 'sls-invalid-'));
    const env = {
      ...deployerEnv,
      HASURA_GRAPHQL_ENDPOINT: 'http://hasura.example.com',
      QOVERY_PROJECT_ID: 'my-project',
      QOVERY_REGISTRY_ID: '',
      BCRYPT_COST: '4',
      // A stage set up before these were required: no prefix (every deployment on the Qovery
      // project named its environments alike), no deployment id, guessable bucket names.
      QOVERY_ENVIRONMENT_PREFIX: '',
      QOVERY_DEPLOYMENT_ID: '',
      STORAGE_BUCKET_ID: '',
    };
    const failure = await serverless(['package', '--stage', 'prod', '--package', out], env).then(
      () => undefined,
      (error: { stdout: string; stderr: string; code: number }) => error,
    );
    try {
      expect(failure?.code).not.toBe(0);
      const output = `${failure?.stdout}\n${failure?.stderr}`;
      expect(output).toContain('Invalid settings for stage "prod" (7 problems)');
      for (const problem of [
        'HASURA_GRAPHQL_ENDPOINT must use https',
        'QOVERY_PROJECT_ID must be a UUID',
        'QOVERY_ENVIRONMENT_PREFIX is required',
        'QOVERY_DEPLOYMENT_ID is required',
        'QOVERY_REGISTRY_ID is required',
        'STORAGE_BUCKET_ID is required',
        'BCRYPT_COST must be an integer from 10 to 15',
      ])
        expect(output).toContain(problem);
      expect(output).not.toContain(SENTINEL);
      expect(existsSync(join(out, 'signup.zip'))).toBe(false);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);
});
