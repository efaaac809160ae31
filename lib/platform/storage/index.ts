/**
 * One S3 bucket per AppWrite instance (AppWrite's object keys carry no instance prefix, so
 * instances sharing a bucket could collide), created at CreateProject and removed with the
 * project, with credentials that reach only that bucket.
 *
 * - `aws` (the default): the bucket, an IAM user of its own (path `/appwrite-cloud/`) whose only
 *   policy allows that bucket, and an access key of that user. The functions' IAM role needs
 *   s3:CreateBucket/DeleteBucket/ListBucket/DeleteObject on `<prefix>-*` and iam:CreateUser,
 *   PutUserPolicy, CreateAccessKey, ListAccessKeys, DeleteAccessKey, DeleteUserPolicy, DeleteUser on
 *   `user/appwrite-cloud/*`.
 * - `s3-compatible`: any S3 endpoint (MinIO, R2, Scaleway, …; AppWrite reads it from 1.6.2). S3
 *   itself has no API to make credentials, so instances get the keys the operator configures:
 *   give keys limited to the `<prefix>-*` buckets (the provider's own policy tool), and prefer
 *   `aws` where one bucket per key matters.
 *
 * The AWS SDK v3 is provided by the Lambda runtime: it is loaded lazily and stays out of the
 * bundles (serverless.yml `exclude: @aws-sdk/*`). Every operation is idempotent: creating what
 * exists, or removing what is gone, succeeds.
 */
import type { StorageGrant } from '../../instances/blueprint/blueprint';

export type { StorageGrant };

export interface StorageSettings {
  provider: 'aws' | 's3-compatible';
  region: string;
  /** The S3-compatible endpoint (required for `s3-compatible`). */
  endpoint?: string;
  /** Bucket names are `<prefix>-<project row id>`: unique to this deployment, S3-valid. */
  bucketPrefix: string;
  /** The operator's keys (`s3-compatible` only; `aws` uses the function's role). */
  accessKeyId?: string;
  secretAccessKey?: string;
}

/** The part of an AWS SDK v3 client we use: `send(command)`. */
export interface SdkClient {
  send(command: unknown, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

export interface Storage {
  bucketName(projectRowId: number): string;
  /** Creates the bucket and its credentials (again, if they exist: old keys are replaced). */
  create(projectRowId: number, options?: { deadline?: number }): Promise<StorageGrant>;
  /** Empties and deletes the bucket, then its credentials. Already gone counts as success. */
  remove(projectRowId: number, options?: { deadline?: number }): Promise<void>;
}

export const BUCKET_PREFIX = /^[a-z0-9][a-z0-9-]{1,40}[a-z0-9]$/;
const IAM_PATH = '/appwrite-cloud/';

export interface StorageDeps {
  /** Tests: S3 and IAM clients (built from the settings otherwise). */
  s3?: SdkClient;
  iam?: SdkClient;
}

export function createStorage(settings: StorageSettings, deps: StorageDeps = {}): Storage {
  if (!BUCKET_PREFIX.test(settings.bucketPrefix)) throw new TypeError('Invalid bucket prefix');
  let s3Module: Promise<typeof import('@aws-sdk/client-s3')> | undefined;
  let iamModule: Promise<typeof import('@aws-sdk/client-iam')> | undefined;
  const loadS3 = () => {
    s3Module ??= import('@aws-sdk/client-s3');
    return s3Module;
  };
  const loadIam = () => {
    iamModule ??= import('@aws-sdk/client-iam');
    return iamModule;
  };
  const credentials =
    settings.accessKeyId && settings.secretAccessKey
      ? { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey }
      : undefined;
  let s3Client: SdkClient | undefined = deps.s3;
  let iamClient: SdkClient | undefined = deps.iam;
  async function s3(): Promise<SdkClient> {
    if (!s3Client) {
      const { S3Client } = await loadS3();
      s3Client = new S3Client({
        region: settings.region,
        ...(settings.endpoint ? { endpoint: settings.endpoint, forcePathStyle: true } : {}),
        ...(credentials ? { credentials } : {}),
      });
    }
    return s3Client;
  }
  async function iam(): Promise<SdkClient> {
    if (!iamClient) {
      const { IAMClient } = await loadIam();
      iamClient = new IAMClient({ region: settings.region });
    }
    return iamClient;
  }
  const signal = (deadline?: number) =>
    deadline === undefined ? undefined : AbortSignal.timeout(Math.max(1, deadline - Date.now()));

  const bucketName = (projectRowId: number) => {
    if (!Number.isSafeInteger(projectRowId) || projectRowId < 0)
      throw new TypeError('Invalid project row id');
    return `${settings.bucketPrefix}-${projectRowId}`;
  };

  async function createBucket(bucket: string, abortSignal?: AbortSignal) {
    const { CreateBucketCommand } = await loadS3();
    try {
      await (await s3()).send(
        new CreateBucketCommand({
          Bucket: bucket,
          ...(settings.provider === 'aws' && settings.region !== 'us-east-1'
            ? { CreateBucketConfiguration: { LocationConstraint: settings.region as never } }
            : {}),
        }),
        { abortSignal },
      );
    } catch (error) {
      if (!hasName(error, 'BucketAlreadyOwnedByYou')) throw error;
    }
  }

  /** An IAM user of the bucket's name, allowed that bucket only, and a fresh access key. */
  async function createCredentials(bucket: string, abortSignal?: AbortSignal) {
    const { CreateUserCommand, PutUserPolicyCommand, CreateAccessKeyCommand } = await loadIam();
    const client = await iam();
    try {
      await client.send(new CreateUserCommand({ UserName: bucket, Path: IAM_PATH }), { abortSignal });
    } catch (error) {
      if (!hasName(error, 'EntityAlreadyExists')) throw error;
      await deleteAccessKeys(bucket, abortSignal);
    }
    await client.send(
      new PutUserPolicyCommand({
        UserName: bucket,
        PolicyName: 'instance-bucket',
        PolicyDocument: JSON.stringify(bucketPolicy(bucket)),
      }),
      { abortSignal },
    );
    const created = (await client.send(new CreateAccessKeyCommand({ UserName: bucket }), {
      abortSignal,
    })) as {
      AccessKey?: { AccessKeyId?: string; SecretAccessKey?: string };
    };
    const key = created.AccessKey;
    if (!key?.AccessKeyId || !key.SecretAccessKey) throw new Error('IAM answered without an access key');
    return { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey };
  }

  async function deleteAccessKeys(user: string, abortSignal?: AbortSignal) {
    const { ListAccessKeysCommand, DeleteAccessKeyCommand } = await loadIam();
    const client = await iam();
    const listed = (await client.send(new ListAccessKeysCommand({ UserName: user }), { abortSignal })) as {
      AccessKeyMetadata?: { AccessKeyId?: string }[];
    };
    for (const key of listed.AccessKeyMetadata ?? []) {
      if (key.AccessKeyId)
        await client.send(new DeleteAccessKeyCommand({ UserName: user, AccessKeyId: key.AccessKeyId }), {
          abortSignal,
        });
    }
  }

  async function emptyAndDeleteBucket(bucket: string, abortSignal?: AbortSignal) {
    const { ListObjectsV2Command, DeleteObjectsCommand, DeleteBucketCommand } = await loadS3();
    const client = await s3();
    try {
      let token: string | undefined;
      do {
        const page = (await client.send(
          new ListObjectsV2Command({ Bucket: bucket, ...(token ? { ContinuationToken: token } : {}) }),
          { abortSignal },
        )) as { Contents?: { Key?: string }[]; NextContinuationToken?: string; IsTruncated?: boolean };
        const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
        if (keys.length > 0)
          await client.send(
            new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }),
            {
              abortSignal,
            },
          );
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      await client.send(new DeleteBucketCommand({ Bucket: bucket }), { abortSignal });
    } catch (error) {
      if (!hasName(error, 'NoSuchBucket')) throw error;
    }
  }

  async function deleteCredentials(user: string, abortSignal?: AbortSignal) {
    const { DeleteUserPolicyCommand, DeleteUserCommand } = await loadIam();
    const client = await iam();
    try {
      await deleteAccessKeys(user, abortSignal);
      try {
        await client.send(new DeleteUserPolicyCommand({ UserName: user, PolicyName: 'instance-bucket' }), {
          abortSignal,
        });
      } catch (error) {
        if (!hasName(error, 'NoSuchEntity')) throw error;
      }
      await client.send(new DeleteUserCommand({ UserName: user }), { abortSignal });
    } catch (error) {
      if (!hasName(error, 'NoSuchEntity')) throw error;
    }
  }

  return {
    bucketName,

    async create(projectRowId, options = {}) {
      const bucket = bucketName(projectRowId);
      const abortSignal = signal(options.deadline);
      if (settings.provider === 'aws') {
        const [, keys] = await Promise.all([
          createBucket(bucket, abortSignal),
          createCredentials(bucket, abortSignal),
        ]);
        return grant(bucket, keys);
      }
      await createBucket(bucket, abortSignal);
      if (!credentials) throw new TypeError('An s3-compatible provider needs the operator keys');
      return grant(bucket, credentials);
    },

    async remove(projectRowId, options = {}) {
      const bucket = bucketName(projectRowId);
      const abortSignal = signal(options.deadline);
      await emptyAndDeleteBucket(bucket, abortSignal);
      if (settings.provider === 'aws') await deleteCredentials(bucket, abortSignal);
    },
  };

  function grant(bucket: string, keys: { accessKeyId: string; secretAccessKey: string }): StorageGrant {
    const value: StorageGrant = {
      bucket,
      region: settings.region,
      ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
      ...keys,
    };
    // The secret key never serialises or prints.
    Object.defineProperty(value, 'toJSON', { value: () => ({ bucket, region: settings.region }) });
    Object.defineProperty(value, Symbol.for('nodejs.util.inspect.custom'), {
      value: () => `StorageGrant(${bucket})`,
    });
    return value;
  }
}

/** The only policy of an instance's IAM user: its bucket and nothing else. */
export function bucketPolicy(bucket: string) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['s3:ListBucket', 's3:GetBucketLocation', 's3:ListBucketMultipartUploads'],
        Resource: `arn:aws:s3:::${bucket}`,
      },
      {
        Effect: 'Allow',
        Action: [
          's3:GetObject',
          's3:PutObject',
          's3:DeleteObject',
          's3:AbortMultipartUpload',
          's3:ListMultipartUploadParts',
        ],
        Resource: `arn:aws:s3:::${bucket}/*`,
      },
    ],
  };
}

function hasName(error: unknown, name: string): boolean {
  return (error as { name?: unknown } | null)?.name === name;
}
