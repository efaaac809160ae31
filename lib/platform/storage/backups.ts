/**
 * Where instances' backups live: one bucket per deployment, `<prefix>-backups`, each instance
 * under `instance-<row id>/`. A bucket apart from the instance's own because AppWrite's key
 * reaches the whole of its bucket (iam.ts) and because deleting a project empties and deletes its
 * bucket, while its backups must outlive it for the retention period.
 *
 * - Encrypted at rest: default encryption SSE-S3 (AES256; Amazon S3 applies it to every new
 *   object since January 2023, https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-encryption-faq.html;
 *   set explicitly so an S3-compatible provider that supports it does too).
 * - Retention by the bucket, not by code that must run: one lifecycle rule expires every object
 *   `retentionDays` after it was written, and aborts multipart uploads a failed run left
 *   (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lifecycle-mgmt.html). A deleted
 *   project's backups therefore go `retentionDays` after the last one was taken.
 * - The job's key (AWS) is an IAM user `<prefix>-backup-<row id>` that may only write, and abort
 *   its uploads, under its own instance's prefix: it can read, list or delete nothing, so an
 *   instance that leaks it can neither read another's backups nor destroy its own.
 *
 * The instance's own bucket gets versioning and a rule that expires noncurrent versions after the
 * same retention, so the files an owner deleted or overwrote can be brought back to a backup's
 * point in time (https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html).
 */
import { hasName, loadIam, loadS3, type SdkClients } from './sdk';

export const BACKUP_USER_POLICY = 'instance-backup-writer';

export function backupBucketName(bucketPrefix: string): string {
  return `${bucketPrefix}-backups`;
}

/** An instance's prefix in the backups bucket (no trailing slash). */
export function backupPrefix(projectRowId: number): string {
  if (!Number.isSafeInteger(projectRowId) || projectRowId < 0) throw new TypeError('Invalid project row id');
  return `instance-${projectRowId}`;
}

/** The only policy of an instance's backup writer: put (and abort) under its own prefix. */
export function backupWriterPolicy(bucket: string, prefix: string) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['s3:PutObject', 's3:AbortMultipartUpload'],
        Resource: `arn:aws:s3:::${bucket}/${prefix}/*`,
      },
    ],
  };
}

/** The lifecycle rule of the backups bucket: everything expires after `days`. */
export function backupLifecycle(days: number) {
  return {
    Rules: [
      {
        ID: 'backup-retention',
        Status: 'Enabled',
        Filter: { Prefix: '' },
        Expiration: { Days: days },
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
      },
    ],
  };
}

/** The lifecycle rule of an instance's bucket: replaced or deleted files are kept `days`. */
export function versionsLifecycle(days: number) {
  return {
    Rules: [
      {
        ID: 'file-versions-retention',
        Status: 'Enabled',
        Filter: { Prefix: '' },
        NoncurrentVersionExpiration: { NoncurrentDays: days },
        Expiration: { ExpiredObjectDeleteMarker: true },
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
      },
    ],
  };
}

const ENCRYPTION = {
  Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
};

/** Encryption and retention of the backups bucket (the bucket itself is made like any other). */
export async function configureBackupBucket(
  clients: SdkClients,
  bucket: string,
  retentionDays: number,
  abortSignal?: AbortSignal,
): Promise<void> {
  const { PutBucketEncryptionCommand, PutBucketLifecycleConfigurationCommand } = await loadS3();
  const s3 = await clients.s3();
  await s3.send(
    new PutBucketEncryptionCommand({
      Bucket: bucket,
      ServerSideEncryptionConfiguration: ENCRYPTION as never,
    }),
    { abortSignal },
  );
  await s3.send(
    new PutBucketLifecycleConfigurationCommand({
      Bucket: bucket,
      LifecycleConfiguration: backupLifecycle(retentionDays) as never,
    }),
    { abortSignal },
  );
}

/** Versioning on an instance's bucket, and its noncurrent versions' retention. */
export async function versionInstanceBucket(
  clients: SdkClients,
  bucket: string,
  retentionDays: number,
  abortSignal?: AbortSignal,
): Promise<void> {
  const { PutBucketVersioningCommand, PutBucketLifecycleConfigurationCommand } = await loadS3();
  const s3 = await clients.s3();
  await s3.send(
    new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
    { abortSignal },
  );
  await s3.send(
    new PutBucketLifecycleConfigurationCommand({
      Bucket: bucket,
      LifecycleConfiguration: versionsLifecycle(retentionDays) as never,
    }),
    { abortSignal },
  );
}

/** The backup writer of an instance (AWS): a user, its one policy, a fresh key (old ones replaced). */
export async function createBackupWriter(
  clients: SdkClients,
  user: string,
  bucket: string,
  prefix: string,
  abortSignal?: AbortSignal,
): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  const {
    CreateUserCommand,
    PutUserPolicyCommand,
    CreateAccessKeyCommand,
    ListAccessKeysCommand,
    DeleteAccessKeyCommand,
  } = await loadIam();
  const iam = await clients.iam();
  try {
    await iam.send(new CreateUserCommand({ UserName: user, Path: '/appwrite-cloud/' }), { abortSignal });
  } catch (error) {
    if (!hasName(error, 'EntityAlreadyExists')) throw error;
    const listed = (await iam.send(new ListAccessKeysCommand({ UserName: user }), { abortSignal })) as {
      AccessKeyMetadata?: { AccessKeyId?: string }[];
    };
    for (const key of listed.AccessKeyMetadata ?? [])
      if (key.AccessKeyId)
        await iam.send(new DeleteAccessKeyCommand({ UserName: user, AccessKeyId: key.AccessKeyId }), {
          abortSignal,
        });
  }
  await iam.send(
    new PutUserPolicyCommand({
      UserName: user,
      PolicyName: BACKUP_USER_POLICY,
      PolicyDocument: JSON.stringify(backupWriterPolicy(bucket, prefix)),
    }),
    { abortSignal },
  );
  const created = (await iam.send(new CreateAccessKeyCommand({ UserName: user }), { abortSignal })) as {
    AccessKey?: { AccessKeyId?: string; SecretAccessKey?: string };
  };
  const key = created.AccessKey;
  if (!key?.AccessKeyId || !key.SecretAccessKey) throw new Error('IAM answered without an access key');
  return { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey };
}
