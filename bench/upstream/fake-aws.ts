import { registerHooks } from 'node:module';
import type { FakeUpstreams } from './fake-fetch';

/**
 * The AWS SDK's clients as in-memory upstreams, like Hasura's and Qovery's in fake-fetch: the
 * functions load `@aws-sdk/client-s3`, `-iam` and `-sesv2` from the runtime (they stay out of the
 * bundles, and are loaded lazily with `import()`), and the SDK talks HTTP through its own handler,
 * not `fetch`. So those modules resolve to one whose clients' `send` is recorded and answered at
 * once: every command is a class keeping its input; one without a canned answer gets `{}`.
 * Installed (module resolution hooks: they serve `import()` and `require` alike) before the bundle
 * loads, for the baseline, the bare handler and the function alike.
 */
const FAKED = new Set(['@aws-sdk/client-s3', '@aws-sdk/client-iam', '@aws-sdk/client-sesv2']);

/** What lib/ and bench/bare use of those modules (a name missing here fails the bench loudly). */
const CLIENTS = ['S3Client', 'IAMClient', 'SESv2Client'];
const COMMANDS = [
  'CreateBucketCommand',
  'ListObjectsV2Command',
  'DeleteObjectsCommand',
  'DeleteBucketCommand',
  'CreateUserCommand',
  'PutUserPolicyCommand',
  'CreateAccessKeyCommand',
  'ListAccessKeysCommand',
  'DeleteAccessKeyCommand',
  'DeleteUserPolicyCommand',
  'DeleteUserCommand',
  'SendEmailCommand',
];

const ANSWERS: Record<string, unknown> = {
  CreateAccessKeyCommand: { AccessKey: { AccessKeyId: 'AKIABENCH', SecretAccessKey: 'bench-secret' } },
  ListAccessKeysCommand: { AccessKeyMetadata: [] },
  ListObjectsV2Command: { Contents: [], IsTruncated: false },
};

const SDK = Symbol.for('appwrite-cloud.bench.fake-aws');
const SCHEME = 'bench-fake-aws:';

function fakeSdk(upstreams: FakeUpstreams): Record<string, unknown> {
  class Client {
    send(command: object) {
      const name = command.constructor.name;
      return upstreams.answerOther('aws', name.replace(/Command$/, ''), ANSWERS[name] ?? {});
    }
    destroy() {}
  }
  const sdk: Record<string, unknown> = {};
  for (const name of CLIENTS) sdk[name] = Client;
  // A class named as the SDK's, so that `send` can tell which command it got.
  for (const name of COMMANDS)
    sdk[name] = {
      [name]: class {
        constructor(readonly input: unknown) {}
      },
    }[name];
  return sdk;
}

export function installFakeAws(upstreams: FakeUpstreams): void {
  (globalThis as Record<symbol, unknown>)[SDK] = fakeSdk(upstreams);
  const source = [
    `const sdk = globalThis[Symbol.for(${JSON.stringify(SDK.description)})];`,
    ...[...CLIENTS, ...COMMANDS].map((name) => `export const ${name} = sdk.${name};`),
  ].join('\n');
  registerHooks({
    resolve(specifier, context, next) {
      if (FAKED.has(specifier)) return { url: `${SCHEME}${specifier}`, format: 'module', shortCircuit: true };
      return next(specifier, context);
    },
    load(url, context, next) {
      if (url.startsWith(SCHEME)) return { format: 'module', source, shortCircuit: true };
      return next(url, context);
    },
  });
}
