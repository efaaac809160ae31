import { DEFAULT_SIZES, type InstanceSettings } from '../../lib/instances/blueprint/blueprint';
import { APPWRITE_VERSION } from '../../lib/instances/blueprint/versions';
import type { BucketOf, StorageGrant } from '../../lib/platform/storage';

/** The operator settings of an instance, as config defaults them. */
export const instanceSettings: InstanceSettings = {
  version: APPWRITE_VERSION,
  sizes: DEFAULT_SIZES,
  emailFrom: { name: 'Appwrite', address: 'noreply@cloud.example' },
  operatorEmail: 'ops@cloud.example',
  // As tests/setup-env.ts sets CONSOLE_CLAIM_KEY.
  consoleClaimKey: 'test-console-claim-key-0123456789abcdef',
};

export function storageGrant(bucket = 'appwrite-cloud-1'): StorageGrant {
  return {
    bucket,
    region: 'eu-west-3',
    accessKeyId: 'AKIAFIXTURE0000000001',
    secretAccessKey: 'fixture-secret-access-key-0123456789abcdef',
  };
}

/** What provision needs besides the row id. */
export function provisionInputs(ownerEmail = 'owner@example.com', bucket?: string) {
  return { ownerEmail, storage: Promise.resolve(storageGrant(bucket)) };
}

/**
 * An in-memory stand-in of lib/platform/storage: one bucket per row id, idempotent like the real
 * one, named as the real one names it (`<recorded stem>-<id>`, `appwrite-cloud-<id>` without one).
 */
export function memoryStorage(stem = 'appwrite-cloud-0a1b2c3d') {
  const buckets = new Set<number>();
  const names = new Map<number, string>();
  const name = ({ id, bucket_stem }: BucketOf) => `${bucket_stem ?? 'appwrite-cloud'}-${id}`;
  return {
    buckets,
    names,
    stem,
    async create(project: BucketOf) {
      buckets.add(project.id);
      names.set(project.id, name(project));
      return storageGrant(name(project));
    },
    async remove(project: BucketOf) {
      if (names.get(project.id) === name(project)) names.delete(project.id);
      buckets.delete(project.id);
    },
  };
}
