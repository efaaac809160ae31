/** Where the bench's fake SSM keeps the parameters (bench/parts/secrets.ts). */
export const PATH = '/appwrite-cloud/bench/';
