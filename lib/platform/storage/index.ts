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
  /** The start of every bucket name of this deployment (`STORAGE_BUCKET_PREFIX`). */
  bucketPrefix: string;
  /**
   * `STORAGE_BUCKET_ID`: a random part of this deployment's bucket names. Bucket names live in S3's
   * one global namespace and row ids follow each other: without it, anyone could create
   * `appwrite-cloud-<next id>` first, and that CreateProject would fail. Absent only on a local
   * stand-in (settings.ts), where no one else makes buckets.
   */
  bucketId?: string;
  /** The operator's keys (`s3-compatible` only; `aws` uses the function's role). */
  accessKeyId?: string;
  secretAccessKey?: string;
}

/**
 * Which bucket is a project's: its row id and the stem recorded on its row when its slot was
 * claimed (`project.bucket_stem`, see `Storage.stem`). The bucket is `<stem>-<id>`; a row from
 * before stems were recorded has none, and its bucket is `<bucketPrefix>-<id>`, the name every
 * bucket had then. The row says which: trying both names would remove, for a new row, the old-style
 * bucket of another deployment using the same prefix.
 */
export interface BucketOf {
  id: number;
  bucket_stem: string | null;
}

export interface Storage {
  /** What CreateProject records at the slot claim: `<bucketPrefix>-<bucketId>`. */
  readonly stem: string;
  bucketName(project: BucketOf): string;
  /** Creates the bucket and its credentials (again, if they exist: old keys are replaced). */
  create(project: BucketOf, options?: { deadline?: number }): Promise<StorageGrant>;
  /** Empties and deletes the bucket, then its credentials. Already gone counts as success. */
  remove(project: BucketOf, options?: { deadline?: number }): Promise<void>;
}

export const BUCKET_PREFIX = /^[a-z0-9][a-z0-9-]{1,40}[a-z0-9]$/;
/** A deployment's random part of bucket names: `openssl rand -hex 6` makes one. */
export const BUCKET_ID = /^[a-z0-9]{8,16}$/;
/** A recorded stem: S3's rules, with room left for `-<row id>` (10 digits) within 63 characters. */
const BUCKET_STEM = /^[a-z0-9][a-z0-9-]{1,50}[a-z0-9]$/;
const S3_NAME_MAX = 63;

export interface StorageDeps {
  /** Tests: S3 and IAM clients (built from the settings otherwise). */
  s3?: SdkClient;
  iam?: SdkClient;
}

/** The stem of this deployment's new buckets; a TypeError when S3 could not carry the names. */
export function bucketStem(settings: Pick<StorageSettings, 'bucketPrefix' | 'bucketId'>): string {
  if (!BUCKET_PREFIX.test(settings.bucketPrefix)) throw new TypeError('Invalid bucket prefix');
  if (settings.bucketId !== undefined && !BUCKET_ID.test(settings.bucketId))
    throw new TypeError('Invalid bucket id');
  const stem = settings.bucketId ? `${settings.bucketPrefix}-${settings.bucketId}` : settings.bucketPrefix;
  if (!BUCKET_STEM.test(stem)) throw new TypeError('Bucket prefix and id leave no room for the row id');
  return stem;
}

export function createStorage(settings: StorageSettings, deps: StorageDeps = {}): Storage {
  const stem = bucketStem(settings);
  const credentials =
    settings.accessKeyId && settings.secretAccessKey
      ? { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey }
      : undefined;
  const clients = lazyClients({ region: settings.region, endpoint: settings.endpoint, credentials }, deps);
  const bucketName = ({ id, bucket_stem }: BucketOf) => {
    if (!Number.isSafeInteger(id) || id < 0) throw new TypeError('Invalid project row id');
    const recorded = bucket_stem ?? settings.bucketPrefix;
    const name = `${recorded}-${id}`;
    if (!BUCKET_STEM.test(recorded) || name.length > S3_NAME_MAX) throw new TypeError('Invalid bucket stem');
    return name;
  };
  return {
    stem,
    bucketName,

    async create(project, options = {}) {
      const bucket = bucketName(project);
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

    async remove(project, options = {}) {
      const bucket = bucketName(project);
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
