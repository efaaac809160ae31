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
 * Every operation is idempotent: creating what exists, or removing what is gone, succeeds. The AWS
 * SDK is loaded on first use (sdk.ts); the bucket (bucket.ts) and its IAM user (iam.ts) are made
 * and removed by their own files.
 */
import { createBucket, emptyAndDeleteBucket } from './bucket';
import { createCredentials, deleteCredentials } from './iam';
import { lazyClients, type SdkClient, signalAt } from './sdk';

export { bucketPolicy } from './iam';
export type { SdkClient };

/** The instance's bucket and the credentials that reach it. */
export interface StorageGrant {
  bucket: string;
  region: string;
  /** An S3-compatible endpoint; absent for Amazon S3. */
  endpoint?: string;
  accessKeyId: string;
  secretAccessKey: string;
}

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

export interface Storage {
  bucketName(projectRowId: number): string;
  /** Creates the bucket and its credentials (again, if they exist: old keys are replaced). */
  create(projectRowId: number, options?: { deadline?: number }): Promise<StorageGrant>;
  /** Empties and deletes the bucket, then its credentials. Already gone counts as success. */
  remove(projectRowId: number, options?: { deadline?: number }): Promise<void>;
}

export const BUCKET_PREFIX = /^[a-z0-9][a-z0-9-]{1,40}[a-z0-9]$/;

export interface StorageDeps {
  /** Tests: S3 and IAM clients (built from the settings otherwise). */
  s3?: SdkClient;
  iam?: SdkClient;
}

export function createStorage(settings: StorageSettings, deps: StorageDeps = {}): Storage {
  if (!BUCKET_PREFIX.test(settings.bucketPrefix)) throw new TypeError('Invalid bucket prefix');
  const credentials =
    settings.accessKeyId && settings.secretAccessKey
      ? { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey }
      : undefined;
  const clients = lazyClients({ region: settings.region, endpoint: settings.endpoint, credentials }, deps);
  const bucketName = (projectRowId: number) => {
    if (!Number.isSafeInteger(projectRowId) || projectRowId < 0)
      throw new TypeError('Invalid project row id');
    return `${settings.bucketPrefix}-${projectRowId}`;
  };
  return {
    bucketName,

    async create(projectRowId, options = {}) {
      const bucket = bucketName(projectRowId);
      const abortSignal = signalAt(options.deadline);
      if (settings.provider === 'aws') {
        const [, keys] = await Promise.all([
          createBucket(clients, settings, bucket, abortSignal),
          createCredentials(clients, bucket, abortSignal),
        ]);
        return grant(settings, bucket, keys);
      }
      await createBucket(clients, settings, bucket, abortSignal);
      if (!credentials) throw new TypeError('An s3-compatible provider needs the operator keys');
      return grant(settings, bucket, credentials);
    },

    async remove(projectRowId, options = {}) {
      const bucket = bucketName(projectRowId);
      const abortSignal = signalAt(options.deadline);
      await emptyAndDeleteBucket(clients, bucket, abortSignal);
      if (settings.provider === 'aws') await deleteCredentials(clients, bucket, abortSignal);
    },
  };
}

/** The grant of a bucket: its secret key never serialises or prints. */
function grant(
  settings: StorageSettings,
  bucket: string,
  keys: { accessKeyId: string; secretAccessKey: string },
): StorageGrant {
  const value: StorageGrant = {
    bucket,
    region: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    ...keys,
  };
  Object.defineProperty(value, 'toJSON', { value: () => ({ bucket, region: settings.region }) });
  Object.defineProperty(value, Symbol.for('nodejs.util.inspect.custom'), {
    value: () => `StorageGrant(${bucket})`,
  });
  return value;
}
