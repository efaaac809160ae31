import { inspect } from 'node:util';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  ListBucketsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
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
    bucketId: '0a1b2c3d4e',
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
  });
/** A row as CreateProject claims it now (the stem recorded), or as rows were before stems. */
const row = (id: number, bucket_stem: string | null = 'unit-test-0a1b2c3d4e') => ({ id, bucket_stem });
const buckets = async () =>
  ((await client.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name).sort();

describe('one bucket per instance, on an S3-compatible provider (the s3rver stand-in)', () => {
  test('creates the bucket of a row, empties and removes it, and both are idempotent', async () => {
    const storage = compatible();
    expect(storage.stem).toBe('unit-test-0a1b2c3d4e');
    const grant = await storage.create(row(7));
    const bucket = 'unit-test-0a1b2c3d4e-7';
    expect(grant).toMatchObject({ bucket, endpoint: s3.endpoint, region: s3.region });
    expect(await buckets()).toContain(bucket);
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'app-1/uploads/a', Body: 'x' }));
    await storage.remove(row(7));
    await storage.remove(row(7));
    expect(await buckets()).not.toContain(bucket);
  });

  test("a row from before stems keeps its bucket; a new row's removal never touches an old-style name", async () => {
    const storage = compatible();
    // Made by this deployment before the upgrade (row 9), and by another deployment of the same
    // prefix that has not upgraded (its row 10).
    await client.send(new CreateBucketCommand({ Bucket: 'unit-test-9' }));
    await client.send(new CreateBucketCommand({ Bucket: 'unit-test-10' }));
    expect(storage.bucketName(row(9, null))).toBe('unit-test-9');
    await storage.create(row(10));
    await storage.remove(row(10));
    expect(await buckets()).toContain('unit-test-10');
    await storage.remove(row(9, null));
    expect(await buckets()).not.toContain('unit-test-9');
    await client.send(new DeleteBucketCommand({ Bucket: 'unit-test-10' }));
  });

  test('the grant never prints or serialises its secret key', async () => {
    const grant = await compatible().create(row(8));
    expect(JSON.stringify(grant)).not.toContain(s3.secretAccessKey);
    expect(inspect(grant)).not.toContain(s3.secretAccessKey);
    await compatible().remove(row(8));
  });

  test('refuses a bucket prefix or id S3 would refuse, and row ids that are not ids', () => {
    expect(() => createStorage({ provider: 'aws', region: 'eu-west-3', bucketPrefix: 'Bad_Prefix' })).toThrow(
      TypeError,
    );
    for (const bucketId of ['short', 'Upper0123', 'a-b-c-d-e', 'x'.repeat(17)])
      expect(() =>
        createStorage({ provider: 'aws', region: 'eu-west-3', bucketPrefix: 'acme', bucketId }),
      ).toThrow(TypeError);
    // No room left for the row id within S3's 63 characters.
    expect(() =>
      createStorage({
        provider: 'aws',
        region: 'eu-west-3',
        bucketPrefix: 'a'.repeat(42),
        bucketId: '0123456789',
      }),
    ).toThrow(TypeError);
    expect(() => compatible().bucketName(row(-1))).toThrow(TypeError);
    expect(() => compatible().bucketName(row(1, 'Not..A.Stem'))).toThrow(TypeError);
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
    const grant = await storage.create({ id: 12, bucket_stem: null });
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
    await storage.create({ id: 3, bucket_stem: null });
    expect(iam.sent.map((c) => c.name)).toContain('DeleteAccessKeyCommand');
    expect(s3.sent[0]?.input).toEqual({ Bucket: 'acme-cloud-3' });
    iam.sent.length = 0;
    await expect(storage.remove({ id: 3, bucket_stem: null })).resolves.toBeUndefined();
    expect(iam.sent.map((c) => c.name)).toEqual([
      'ListAccessKeysCommand',
      'DeleteAccessKeyCommand',
      'DeleteUserPolicyCommand',
      'DeleteUserCommand',
    ]);
  });

  test("a bucket name another AWS account took first does not stop the deployment's next CreateProject", async () => {
    // S3 has one namespace for every account: a squatter creates the names sequential row ids
    // will need. Amazon answers BucketAlreadyExists to anyone else creating one of them.
    const squatted = new Set(['appwrite-cloud-12', 'appwrite-cloud-13']);
    const s3 = fake({
      CreateBucketCommand: (input) =>
        squatted.has(String(input.Bucket)) ? Promise.reject(named('BucketAlreadyExists')) : {},
    });
    const iam = fake({
      CreateAccessKeyCommand: () => ({ AccessKey: { AccessKeyId: 'AKIA1', SecretAccessKey: 'secret-1' } }),
    });
    const clients = { s3: s3.sdk, iam: iam.sdk };
    // Without a random part (as before STORAGE_BUCKET_ID), the squatter wins.
    const guessable = createStorage(
      { provider: 'aws', region: 'us-east-1', bucketPrefix: 'appwrite-cloud' },
      clients,
    );
    await expect(guessable.create({ id: 12, bucket_stem: guessable.stem })).rejects.toMatchObject({
      name: 'BucketAlreadyExists',
    });
    const storage = createStorage(
      { provider: 'aws', region: 'us-east-1', bucketPrefix: 'appwrite-cloud', bucketId: '7f3e9a01c2' },
      clients,
    );
    const grant = await storage.create({ id: 12, bucket_stem: storage.stem });
    expect(grant.bucket).toBe('appwrite-cloud-7f3e9a01c2-12');
    expect(
      JSON.parse(String(iam.sent.findLast((c) => c.name === 'PutUserPolicyCommand')?.input.PolicyDocument)),
    ).toEqual(bucketPolicy('appwrite-cloud-7f3e9a01c2-12'));
  });
});
