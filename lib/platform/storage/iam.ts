/**
 * The credentials of an instance's bucket on AWS: an IAM user of the bucket's name (path
 * `/appwrite-cloud/`) whose only policy allows that bucket, and an access key of that user.
 */
import { hasName, loadIam, type SdkClients } from './sdk';

const IAM_PATH = '/appwrite-cloud/';

/** An IAM user of the bucket's name, allowed that bucket only, and a fresh access key. */
export async function createCredentials(
  clients: SdkClients,
  bucket: string,
  abortSignal?: AbortSignal,
): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  const { CreateUserCommand, PutUserPolicyCommand, CreateAccessKeyCommand } = await loadIam();
  const client = await clients.iam();
  try {
    await client.send(new CreateUserCommand({ UserName: bucket, Path: IAM_PATH }), { abortSignal });
  } catch (error) {
    if (!hasName(error, 'EntityAlreadyExists')) throw error;
    await deleteAccessKeys(clients, bucket, abortSignal);
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

async function deleteAccessKeys(clients: SdkClients, user: string, abortSignal?: AbortSignal): Promise<void> {
  const { ListAccessKeysCommand, DeleteAccessKeyCommand } = await loadIam();
  const client = await clients.iam();
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

/** The user's keys, its policy, then the user; already gone counts as success. */
export async function deleteCredentials(
  clients: SdkClients,
  user: string,
  abortSignal?: AbortSignal,
): Promise<void> {
  const { DeleteUserPolicyCommand, DeleteUserCommand } = await loadIam();
  const client = await clients.iam();
  try {
    await deleteAccessKeys(clients, user, abortSignal);
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
