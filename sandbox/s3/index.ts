/**
 * A LOCAL STAND-IN for S3, for `npm start` and the tests only: the `s3rver` npm package (an
 * S3-compatible server on the file system), started on 127.0.0.1. The control plane talks to it
 * with the AWS SDK as to any S3-compatible provider (`STORAGE_PROVIDER=s3-compatible`). Production
 * uses Amazon S3 (or the operator's provider). s3rver accepts any credentials and has no IAM: the
 * per-bucket IAM users of the `aws` provider are tested with a fake IAM client instead.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// s3rver ships no types: the little we use is typed below.
import S3rverModule from 's3rver';

interface S3rverServer {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
const S3rver = S3rverModule as unknown as new (options: {
  port: number;
  address: string;
  silent: boolean;
  directory: string;
}) => S3rverServer;

export interface S3StandIn {
  /** e.g. http://127.0.0.1:4569 */
  endpoint: string;
  /** Keys to configure (s3rver accepts any). */
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  close(): Promise<void>;
}

export async function startS3StandIn(
  options: { port?: number; directory?: string } = {},
): Promise<S3StandIn> {
  const temporary = options.directory === undefined;
  const directory = options.directory ?? mkdtempSync(join(tmpdir(), 's3-standin-'));
  mkdirSync(directory, { recursive: true });
  const server = new S3rver({ port: options.port ?? 0, address: '127.0.0.1', silent: true, directory });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    region: 'us-east-1',
    async close() {
      await server.close();
      if (temporary) rmSync(directory, { recursive: true, force: true });
    },
  };
}
