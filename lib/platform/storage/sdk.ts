/**
 * The AWS SDK v3: provided by the Lambda runtime, so it is loaded on first use and stays out of
 * the bundles (serverless.yml `exclude: @aws-sdk/*`); each storage makes its clients once.
 */

/** The part of an AWS SDK v3 client we use: `send(command)`. */
export interface SdkClient {
  send(command: unknown, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

let s3Module: Promise<typeof import('@aws-sdk/client-s3')> | undefined;
let iamModule: Promise<typeof import('@aws-sdk/client-iam')> | undefined;

export function loadS3(): Promise<typeof import('@aws-sdk/client-s3')> {
  s3Module ??= import('@aws-sdk/client-s3');
  return s3Module;
}

export function loadIam(): Promise<typeof import('@aws-sdk/client-iam')> {
  iamModule ??= import('@aws-sdk/client-iam');
  return iamModule;
}

/** The S3 and IAM clients of one storage, made on first use. */
export interface SdkClients {
  s3(): Promise<SdkClient>;
  iam(): Promise<SdkClient>;
}

/** Where the clients connect, and with which keys (the function's role when none). */
export interface SdkTarget {
  region: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** `given` replaces the S3 and IAM clients (tests); they are built from `target` otherwise. */
export function lazyClients(target: SdkTarget, given: { s3?: SdkClient; iam?: SdkClient }): SdkClients {
  let s3Client: SdkClient | undefined = given.s3;
  let iamClient: SdkClient | undefined = given.iam;
  return {
    async s3() {
      if (!s3Client) {
        const { S3Client } = await loadS3();
        s3Client = new S3Client({
          region: target.region,
          ...(target.endpoint ? { endpoint: target.endpoint, forcePathStyle: true } : {}),
          ...(target.credentials ? { credentials: target.credentials } : {}),
        });
      }
      return s3Client;
    },
    async iam() {
      if (!iamClient) {
        const { IAMClient } = await loadIam();
        iamClient = new IAMClient({ region: target.region });
      }
      return iamClient;
    },
  };
}

/** An SDK error, told apart by its name (the SDK's error classes are not loaded up front). */
export function hasName(error: unknown, name: string): boolean {
  return (error as { name?: unknown } | null)?.name === name;
}

/** An abort signal that fires at `deadline` (epoch ms); none without a deadline. */
export function signalAt(deadline?: number): AbortSignal | undefined {
  return deadline === undefined ? undefined : AbortSignal.timeout(Math.max(1, deadline - Date.now()));
}
