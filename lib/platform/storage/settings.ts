import type { EnvReader } from '../../basics/settings';
import { BUCKET_PREFIX, type StorageSettings } from './index';

/** The object storage of the instances (one bucket each; lib/platform/storage/index.ts). */
export function readStorage(r: EnvReader): StorageSettings {
  const provider = r.oneOf('STORAGE_PROVIDER', ['aws', 's3-compatible'] as const, 'aws');
  const bucketPrefix = r.string('STORAGE_BUCKET_PREFIX', 'appwrite-cloud');
  if (!BUCKET_PREFIX.test(bucketPrefix))
    r.problems.push('STORAGE_BUCKET_PREFIX must be 3 to 42 lower-case letters, digits and dashes');
  const region = r.string('STORAGE_REGION', 'us-east-1');
  const endpoint = r.optional('STORAGE_ENDPOINT');
  const accessKeyId = r.optional('STORAGE_ACCESS_KEY_ID');
  const secretAccessKey = r.optionalSecret('STORAGE_SECRET_ACCESS_KEY');
  if (provider === 'aws') return { provider, region, bucketPrefix };
  if (endpoint === undefined || !/^https?:\/\/[^\s]+$/.test(endpoint))
    r.problems.push('STORAGE_ENDPOINT (an http(s) URL) is required with STORAGE_PROVIDER=s3-compatible');
  if (accessKeyId === undefined || (!r.skippingSecrets && secretAccessKey === undefined))
    r.problems.push(
      'STORAGE_ACCESS_KEY_ID and STORAGE_SECRET_ACCESS_KEY are required with STORAGE_PROVIDER=s3-compatible',
    );
  return { provider, region, bucketPrefix, endpoint, accessKeyId, secretAccessKey };
}
