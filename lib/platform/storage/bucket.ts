/** The instance's bucket: created if missing, emptied and deleted with the project. */
import { hasName, loadS3, type SdkClients } from './sdk';

/** Which provider, and where: Amazon S3 outside us-east-1 needs the region said. */
export interface BucketPlacement {
  provider: 'aws' | 's3-compatible';
  region: string;
}

export async function createBucket(
  clients: SdkClients,
  placement: BucketPlacement,
  bucket: string,
  abortSignal?: AbortSignal,
): Promise<void> {
  const { CreateBucketCommand } = await loadS3();
  try {
    await (await clients.s3()).send(
      new CreateBucketCommand({
        Bucket: bucket,
        ...(placement.provider === 'aws' && placement.region !== 'us-east-1'
          ? { CreateBucketConfiguration: { LocationConstraint: placement.region as never } }
          : {}),
      }),
      { abortSignal },
    );
  } catch (error) {
    if (!hasName(error, 'BucketAlreadyOwnedByYou')) throw error;
  }
}

export async function emptyAndDeleteBucket(
  clients: SdkClients,
  bucket: string,
  abortSignal?: AbortSignal,
): Promise<void> {
  const { ListObjectsV2Command, DeleteObjectsCommand, DeleteBucketCommand } = await loadS3();
  const client = await clients.s3();
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
