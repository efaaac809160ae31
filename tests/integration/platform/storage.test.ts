import { inspect } from 'node:util';
import { ListBucketsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { bucketPolicy, createStorage, type SdkClient } from '../../../lib/platform/storage';
import { type S3StandIn, startS3StandIn } from '../../../sandbox/s3';

let s3: S3StandIn;
let client: S3Client;
beforeAll(async () => {
  s3 = await startS3StandIn();
  client = new S3Client({
    region: s3.region,
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
});
afterAll(() => s3.close());

const compatible = () =>
  createStorage({
    provider: 's3-compatible',
    region: s3.region,
    endpoint: s3.endpoint,
    bucketPrefix: 'unit-test',
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
  });
const buckets = async () =>
  ((await client.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name).sort();

describe('one bucket per instance, on an S3-compatible provider (the s3rver stand-in)', () => {
  test('creates the bucket of a row, empties and removes it, and both are idempotent', async () => {
    const storage = compatible();
    const grant = await storage.create(7);
    expect(grant).toMatchObject({ bucket: 'unit-test-7', endpoint: s3.endpoint, region: s3.region });
    expect(await buckets()).toContain('unit-test-7');
    await client.send(new PutObjectCommand({ Bucket: 'unit-test-7', Key: 'app-1/uploads/a', Body: 'x' }));
    await storage.remove(7);
    await storage.remove(7);
    expect(await buckets()).not.toContain('unit-test-7');
  });

  test('the grant never prints or serialises its secret key', async () => {
    const grant = await compatible().create(8);
    expect(JSON.stringify(grant)).not.toContain(s3.secretAccessKey);
    expect(inspect(grant)).not.toContain(s3.secretAccessKey);
    await compatible().remove(8);
  });

  test('refuses a bucket prefix S3 would refuse, and row ids that are not ids', () => {
    expect(() => createStorage({ provider: 'aws', region: 'eu-west-3', bucketPrefix: 'Bad_Prefix' })).toThrow(
      TypeError,
    );
    expect(() => compatible().bucketName(-1)).toThrow(TypeError);
  });
});

describe('one bucket per instance on Amazon S3: an IAM user that reaches only that bucket', () => {
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

  test('creates the bucket in the region, and a user allowed that bucket only, with a fresh key', async () => {
    const s3 = fake();
    const iam = fake({
      CreateAccessKeyCommand: () => ({ AccessKey: { AccessKeyId: 'AKIA1', SecretAccessKey: 'secret-1' } }),
    });
    const storage = createStorage(
      { provider: 'aws', region: 'eu-west-3', bucketPrefix: 'acme-cloud' },
      { s3: s3.sdk, iam: iam.sdk },
    );
    const grant = await storage.create(12);
    expect(grant).toMatchObject({ bucket: 'acme-cloud-12', region: 'eu-west-3', accessKeyId: 'AKIA1' });
    expect(grant.endpoint).toBeUndefined();
    expect(s3.sent).toEqual([
      {
        name: 'CreateBucketCommand',
        input: { Bucket: 'acme-cloud-12', CreateBucketConfiguration: { LocationConstraint: 'eu-west-3' } },
      },
    ]);
    expect(iam.sent.map((c) => c.name)).toEqual([
      'CreateUserCommand',
      'PutUserPolicyCommand',
      'CreateAccessKeyCommand',
    ]);
    const policy = JSON.parse(String(iam.sent[1]?.input.PolicyDocument));
    expect(policy).toEqual(bucketPolicy('acme-cloud-12'));
    const resources = policy.Statement.map((s: { Resource: string }) => s.Resource);
    expect(resources).toEqual(['arn:aws:s3:::acme-cloud-12', 'arn:aws:s3:::acme-cloud-12/*']);
  });

  test('creating again replaces the old keys; removing deletes keys, policy, user and bucket, even twice', async () => {
    const s3 = fake({ DeleteBucketCommand: () => Promise.reject(named('NoSuchBucket')) });
    const iam = fake({
      CreateUserCommand: () => Promise.reject(named('EntityAlreadyExists')),
      ListAccessKeysCommand: () => ({ AccessKeyMetadata: [{ AccessKeyId: 'OLD' }] }),
      CreateAccessKeyCommand: () => ({ AccessKey: { AccessKeyId: 'NEW', SecretAccessKey: 's' } }),
      DeleteUserCommand: () => Promise.reject(named('NoSuchEntity')),
    });
    const storage = createStorage(
      { provider: 'aws', region: 'us-east-1', bucketPrefix: 'acme-cloud' },
      { s3: s3.sdk, iam: iam.sdk },
    );
    await storage.create(3);
    expect(iam.sent.map((c) => c.name)).toContain('DeleteAccessKeyCommand');
    expect(s3.sent[0]?.input).toEqual({ Bucket: 'acme-cloud-3' });
    iam.sent.length = 0;
    await expect(storage.remove(3)).resolves.toBeUndefined();
    expect(iam.sent.map((c) => c.name)).toEqual([
      'ListAccessKeysCommand',
      'DeleteAccessKeyCommand',
      'DeleteUserPolicyCommand',
      'DeleteUserCommand',
    ]);
  });
});
