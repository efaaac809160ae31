import {
  backupBucketName,
  backupLifecycle,
  backupPrefix,
  backupWriterPolicy,
  configureBackupBucket,
  createBackupWriter,
  versionInstanceBucket,
} from '../../../lib/platform/storage/backups';
import type { SdkClient } from '../../../lib/platform/storage/sdk';

/** A fake SDK client: records commands by name, answers from `answers`. */
function fake(answers: Record<string, (input: Record<string, unknown>) => unknown> = {}) {
  const sent: { name: string; input: Record<string, unknown> }[] = [];
  const sdk: SdkClient = {
    async send(command) {
      const { constructor: type, input } = command as {
        constructor: { name: string };
        input: Record<string, unknown>;
      };
      sent.push({ name: type.name, input });
      const answer = answers[type.name];
      return answer ? answer(input) : {};
    },
  };
  return { sdk, sent };
}
const named = (name: string) => Object.assign(new Error(name), { name });
const clients = (s3: SdkClient, iam: SdkClient) => ({ s3: async () => s3, iam: async () => iam });

test('one backups bucket per deployment, one prefix per instance; row ids that are not ids are refused', () => {
  expect(backupBucketName('acme-cloud')).toBe('acme-cloud-backups');
  expect(backupPrefix(42)).toBe('instance-42');
  expect(() => backupPrefix(-1)).toThrow(TypeError);
  expect(() => backupPrefix(1.5)).toThrow(TypeError);
});

test("the writer may only put, and abort its uploads, under its own instance's prefix", () => {
  const policy = backupWriterPolicy('acme-cloud-backups', 'instance-42');
  expect(policy.Statement).toEqual([
    {
      Effect: 'Allow',
      Action: ['s3:PutObject', 's3:AbortMultipartUpload'],
      Resource: 'arn:aws:s3:::acme-cloud-backups/instance-42/*',
    },
  ]);
  const actions = policy.Statement.flatMap((s) => s.Action);
  for (const forbidden of ['s3:GetObject', 's3:DeleteObject', 's3:ListBucket'])
    expect(actions).not.toContain(forbidden);
});

test('the backups bucket is encrypted and expires everything after the retention', async () => {
  const s3 = fake();
  await configureBackupBucket(clients(s3.sdk, fake().sdk), 'acme-cloud-backups', 7);
  expect(s3.sent.map((c) => c.name)).toEqual([
    'PutBucketEncryptionCommand',
    'PutBucketLifecycleConfigurationCommand',
  ]);
  expect(s3.sent[0]?.input).toMatchObject({
    ServerSideEncryptionConfiguration: {
      Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    },
  });
  expect(s3.sent[1]?.input.LifecycleConfiguration).toEqual(backupLifecycle(7));
  expect(backupLifecycle(30).Rules[0]?.Expiration).toEqual({ Days: 30 });
});

test("an instance's bucket keeps replaced and deleted files' versions for the retention", async () => {
  const s3 = fake();
  await versionInstanceBucket(clients(s3.sdk, fake().sdk), 'acme-cloud-42', 7);
  expect(s3.sent[0]).toEqual({
    name: 'PutBucketVersioningCommand',
    input: { Bucket: 'acme-cloud-42', VersioningConfiguration: { Status: 'Enabled' } },
  });
  expect(s3.sent[1]?.input).toMatchObject({
    LifecycleConfiguration: { Rules: [{ NoncurrentVersionExpiration: { NoncurrentDays: 7 } }] },
  });
});

test("the writer's user is made once, its old keys replaced, its one policy the writer's", async () => {
  const iam = fake({
    CreateUserCommand: () => Promise.reject(named('EntityAlreadyExists')),
    ListAccessKeysCommand: () => ({ AccessKeyMetadata: [{ AccessKeyId: 'OLD' }] }),
    CreateAccessKeyCommand: () => ({ AccessKey: { AccessKeyId: 'NEW', SecretAccessKey: 'secret' } }),
  });
  const keys = await createBackupWriter(
    clients(fake().sdk, iam.sdk),
    'acme-cloud-backup-42',
    'acme-cloud-backups',
    'instance-42',
  );
  expect(keys).toEqual({ accessKeyId: 'NEW', secretAccessKey: 'secret' });
  expect(iam.sent.map((c) => c.name)).toEqual([
    'CreateUserCommand',
    'ListAccessKeysCommand',
    'DeleteAccessKeyCommand',
    'PutUserPolicyCommand',
    'CreateAccessKeyCommand',
  ]);
  expect(JSON.parse(String(iam.sent[3]?.input.PolicyDocument))).toEqual(
    backupWriterPolicy('acme-cloud-backups', 'instance-42'),
  );
});

test('an IAM answer without a key fails', async () => {
  await expect(
    createBackupWriter(clients(fake().sdk, fake().sdk), 'u', 'acme-cloud-backups', 'instance-1'),
  ).rejects.toThrow('without an access key');
});
