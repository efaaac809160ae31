import type { EnvReader } from '../../basics/settings';
import { BUCKET_ID, BUCKET_PREFIX, bucketStem, type StorageSettings } from './index';

const LOOPBACK_URL = /^https?:\/\/(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d+)?(\/|$)/i;

/** The object storage of the instances (one bucket each; lib/platform/storage/index.ts). */
export function readStorage(r: EnvReader): StorageSettings {
  /**
   * STORAGE_PROVIDER: Where the instances' object storage is: Amazon S3 (aws) or an S3-compatible service
   * (s3-compatible, with STORAGE_ENDPOINT and its keys).
   */
  const provider = r.oneOf('STORAGE_PROVIDER', ['aws', 's3-compatible'] as const, 'aws');
  /**
   * STORAGE_BUCKET_PREFIX: The start of every instance bucket's name: 3 to 42 lower-case letters, digits
   * and dashes.
   */
  const bucketPrefix = r.string('STORAGE_BUCKET_PREFIX', 'appwrite-cloud');
  if (!BUCKET_PREFIX.test(bucketPrefix))
    r.problems.push('STORAGE_BUCKET_PREFIX must be 3 to 42 lower-case letters, digits and dashes');
  const bucketId = readBucketId(r);
  if (BUCKET_PREFIX.test(bucketPrefix) && bucketId !== undefined && BUCKET_ID.test(bucketId)) {
    try {
      bucketStem({ bucketPrefix, bucketId });
    } catch {
      r.problems.push('STORAGE_BUCKET_PREFIX and STORAGE_BUCKET_ID together must be at most 52 characters');
    }
  }
  /** STORAGE_REGION: The storage region of the buckets. */
  const region = r.string('STORAGE_REGION', 'us-east-1');
  /**
   * STORAGE_ENDPOINT: With STORAGE_PROVIDER=s3-compatible, the service's S3 endpoint (an http(s) URL);
   * required then.
   */
  const endpoint = r.optional('STORAGE_ENDPOINT');
  /**
   * STORAGE_ACCESS_KEY_ID: With STORAGE_PROVIDER=s3-compatible, the access key id; required then (on AWS
   * the functions use their IAM role instead).
   */
  const accessKeyId = r.optional('STORAGE_ACCESS_KEY_ID');
  /**
   * STORAGE_SECRET_ACCESS_KEY: With STORAGE_PROVIDER=s3-compatible, the secret access key of
   * STORAGE_ACCESS_KEY_ID; required then.
   */
  const secretAccessKey = r.optionalSecret('STORAGE_SECRET_ACCESS_KEY');
  // Only a stand-in on this machine may go without the random part: Amazon S3 and every hosted
  // S3-compatible provider share one namespace of bucket names between all their customers.
  const standIn = provider === 's3-compatible' && endpoint !== undefined && LOOPBACK_URL.test(endpoint);
  if (bucketId === undefined && !standIn)
    r.problems.push(
      'STORAGE_BUCKET_ID is required: a random part of bucket names, 8 to 16 lower-case letters and digits, made once per stage (`openssl rand -hex 6`) and then never changed',
    );
  const named = { bucketPrefix, ...(bucketId !== undefined ? { bucketId } : {}) };
  if (provider === 'aws') return { provider, region, ...named };
  if (endpoint === undefined || !/^https?:\/\/[^\s]+$/.test(endpoint))
    r.problems.push('STORAGE_ENDPOINT (an http(s) URL) is required with STORAGE_PROVIDER=s3-compatible');
  if (accessKeyId === undefined || (!r.skippingSecrets && secretAccessKey === undefined))
    r.problems.push(
      'STORAGE_ACCESS_KEY_ID and STORAGE_SECRET_ACCESS_KEY are required with STORAGE_PROVIDER=s3-compatible',
    );
  return { provider, region, ...named, endpoint, accessKeyId, secretAccessKey };
}

/** The random part of bucket names (described where it is read, below). */
function readBucketId(r: EnvReader): string | undefined {
  /**
   * STORAGE_BUCKET_ID: A random part of bucket names, 8 to 16 lower-case letters and digits, made once per
   * stage (openssl rand -hex 6) and then never changed: bucket names are shared by every customer of the
   * provider. Required but with a local stand-in; each bucket keeps the name it was made with, so a changed
   * id only names the buckets made after the change.
   */
  const value = r.optional('STORAGE_BUCKET_ID');
  if (value !== undefined && !BUCKET_ID.test(value))
    r.problems.push(
      'STORAGE_BUCKET_ID must be 8 to 16 lower-case letters and digits (`openssl rand -hex 6`)',
    );
  return value;
}
