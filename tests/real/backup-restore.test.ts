/**
 * The backup job's own command (rendered from the blueprint) against a real MariaDB holding
 * AppWrite-shaped data and the S3 stand-in; then the restore command into a fresh server, and every
 * table compared by row count and `CHECKSUM TABLE`. Needs Debian's mariadb-server and rclone.
 */
import { execFile } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  BACKUP_SCRIPT,
  type BackupTarget,
  backupJobRequest,
  backupJobVariables,
  RESTORE_SCRIPT,
} from '../../lib/instances/blueprint/backup';
import type { QoverySettings } from '../../lib/instances/blueprint/blueprint';
import { DB_SCHEMA, DB_USER } from '../../lib/instances/blueprint/services';
import { type S3StandIn, startS3StandIn } from '../../sandbox/s3';
import { instanceSettings } from '../helpers/instance';
import { type MariaDb, need, startMariaDb } from './mariadb';

jest.setTimeout(180_000);

const PASSWORD = 'appwrite-db-password-1';
const SCHEMAS = [DB_SCHEMA, `${DB_SCHEMA}_usage`];
const ROWS = 3000;
const settings: QoverySettings = {
  apiUrl: 'http://127.0.0.1:1',
  token: 'unused-token',
  projectId: '00000000-0000-4000-8000-000000000001',
  registryId: '00000000-0000-4000-8000-000000000002',
  instance: instanceSettings,
};

let source: MariaDb;
let fresh: MariaDb;
let s3: S3StandIn;
let client: S3Client;

/** AppWrite's own database user, as the image's MYSQL_USER makes it: all rights on its schemas. */
function appwriteUser(db: MariaDb) {
  db.sql(
    `CREATE USER '${DB_USER}'@'127.0.0.1' IDENTIFIED BY '${PASSWORD}';` +
      SCHEMAS.map(
        (s) => `CREATE DATABASE \`${s}\`; GRANT ALL ON \`${s}\`.* TO '${DB_USER}'@'127.0.0.1';`,
      ).join(''),
  );
}

/** AppWrite's shape: `_console_*` and `_<project>_*` tables of documents and permissions. */
function appwriteData(db: MariaDb) {
  const documents = (table: string) => `CREATE TABLE \`${table}\` (
    _id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, _uid VARCHAR(255) NOT NULL UNIQUE,
    _createdAt DATETIME(3), _updatedAt DATETIME(3), _permissions MEDIUMTEXT, data LONGTEXT,
    amount DECIMAL(12,2), flag TINYINT(1)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;`;
  const fill = (table: string, rows: number) =>
    `INSERT INTO \`${table}\` (_uid, _createdAt, _updatedAt, _permissions, data, amount, flag)
     SELECT CONCAT('doc-', seq), NOW(3) - INTERVAL seq SECOND, NOW(3), '["read(\\"any\\")"]',
     CONCAT('é€ ', REPEAT(MD5(seq), 1 + seq % 7)), seq / 3, seq % 2 FROM seq_1_to_${rows};`;
  db.sql(
    [
      documents('_console_projects'),
      fill('_console_projects', 40),
      documents('_console_users'),
      fill('_console_users', 5),
      documents('_1_users'),
      fill('_1_users', ROWS),
      documents('_1_database_1_collection_1'),
      fill('_1_database_1_collection_1', ROWS),
      `CREATE TABLE _1_audit (id BIGINT PRIMARY KEY AUTO_INCREMENT, event VARCHAR(64), at DATETIME(3));`,
    ].join('\n'),
    DB_SCHEMA,
  );
  // A trigger and a routine, defined by AppWrite's user, as anything AppWrite makes would be.
  db.sqlAs(
    { name: DB_USER, password: PASSWORD },
    [
      `CREATE TRIGGER _1_users_audit AFTER INSERT ON _1_users FOR EACH ROW
       INSERT INTO _1_audit (event, at) VALUES (CONCAT('users.create:', NEW._uid), NOW(3));`,
      `CREATE FUNCTION doc_count() RETURNS INT READS SQL DATA RETURN (SELECT COUNT(*) FROM _1_users);`,
      `INSERT INTO _1_users (_uid, data) VALUES ('via-trigger', 'x');`,
    ].join('\n'),
    DB_SCHEMA,
  );
  db.sql(`${documents('_2_stats')}${fill('_2_stats', 500)}`, `${DB_SCHEMA}_usage`);
}

/** Every table of the schemas: its row count and CHECKSUM TABLE. */
function tables(db: MariaDb): Record<string, { rows: number; checksum: string }> {
  const names = db
    .sql(
      `SELECT CONCAT(table_schema, '.', table_name) FROM information_schema.tables
       WHERE table_schema IN (${SCHEMAS.map((s) => `'${s}'`).join(',')}) ORDER BY 1;`,
    )
    .trim()
    .split('\n');
  return Object.fromEntries(
    names.map((name) => {
      const [schema, table] = name.split('.');
      const ref = `\`${schema}\`.\`${table}\``;
      const rows = Number(db.sql(`SELECT COUNT(*) FROM ${ref};`).trim());
      const checksum = db.sql(`CHECKSUM TABLE ${ref} EXTENDED;`).trim().split('\t')[1] ?? '';
      return [name, { rows, checksum }];
    }),
  );
}

/** Runs one of the blueprint's scripts with bash, as the job's container would, with these variables. */
function run(script: string, env: Record<string, string>): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      ['-c', script],
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env } },
      (error, stdout, stderr) =>
        resolve({
          code: error ? Number((error as { code?: number }).code ?? 1) : 0,
          output: stdout + stderr,
        }),
    );
  });
}

const dbEnv = (db: MariaDb, password = PASSWORD) => ({
  _APP_DB_HOST: '127.0.0.1',
  _APP_DB_PORT: String(db.port),
  _APP_DB_USER: DB_USER,
  _APP_DB_PASS: password,
});

/** The job's JOB-scoped variables, as Qovery would set them. */
function jobEnv(target: BackupTarget): Record<string, string> {
  return Object.fromEntries(
    Object.entries(backupJobVariables(target)).map(([name, value]) => [
      name,
      'value' in value ? value.value : '',
    ]),
  );
}

/** A presigned GET (what DownloadBackup and a restore hand out), signed as S3 signs query strings. */
async function presignedGet(bucket: string, key: string): Promise<string> {
  type Data = string | ArrayBuffer | ArrayBufferView;
  const bytes = (d: Data) =>
    typeof d === 'string'
      ? d
      : d instanceof ArrayBuffer
        ? Buffer.from(d)
        : Buffer.from(d.buffer, d.byteOffset, d.byteLength);
  class Sha256 {
    private readonly hash;
    constructor(secret?: Data) {
      this.hash = secret ? createHmac('sha256', bytes(secret)) : createHash('sha256');
    }
    update(data: Data) {
      this.hash.update(bytes(data));
    }
    async digest() {
      return new Uint8Array(this.hash.digest());
    }
  }
  const url = new URL(`${s3.endpoint}/${bucket}/${key}`);
  const signer = new SignatureV4({
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    region: s3.region,
    service: 's3',
    sha256: Sha256,
    uriEscapePath: false,
  });
  const signed = await signer.presign(
    {
      method: 'GET',
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      headers: { host: url.host },
      query: {},
    },
    { expiresIn: 300, unsignableHeaders: new Set() },
  );
  const query = new URLSearchParams(signed.query as Record<string, string>).toString();
  return `${url.origin}${url.pathname}?${query}`;
}

beforeAll(async () => {
  need('rclone', 'rclone');
  need('mariadb-dump', 'mariadb-client');
  [source, fresh, s3] = await Promise.all([startMariaDb(), startMariaDb(), startS3StandIn()]);
  client = new S3Client({
    region: s3.region,
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  await client.send(new CreateBucketCommand({ Bucket: 'unit-backups' }));
  appwriteUser(source);
  appwriteData(source);
});
afterAll(async () => {
  client?.destroy();
  await Promise.all([source?.close(), fresh?.close(), s3?.close()]);
});

const target = (): BackupTarget => ({
  bucket: 'unit-backups',
  prefix: 'instance-7',
  region: s3.region,
  endpoint: s3.endpoint,
  accessKeyId: s3.accessKeyId,
  secretAccessKey: s3.secretAccessKey,
});
const keys = async (prefix: string) =>
  ((await client.send(new ListObjectsV2Command({ Bucket: 'unit-backups', Prefix: prefix }))).Contents ?? [])
    .map((o) => o.Key ?? '')
    .sort();

test('the job runs the command its blueprint renders', () => {
  const cron = backupJobRequest(settings, { cron: '15 3 * * *', timezone: 'Etc/UTC' }).schedule?.cronjob;
  expect(cron?.arguments).toEqual(['-c', BACKUP_SCRIPT]);
  expect(BACKUP_SCRIPT).toContain('set -euo pipefail');
  expect(BACKUP_SCRIPT).toContain(
    '--all-databases --add-drop-database --single-transaction --routines --triggers',
  );
});

test('backup, then restore into a fresh server: every table has the same rows and checksum', async () => {
  const script = backupJobRequest(settings, { cron: '15 3 * * *', timezone: 'Etc/UTC' }).schedule?.cronjob
    ?.arguments?.[1];
  if (!script) throw new Error('The blueprint renders no backup command');
  const backup = await run(script, {
    ...dbEnv(source),
    ...jobEnv(target()),
    HOSTNAME: 'appwrite-backup-29xk1',
  });
  expect(backup).toMatchObject({ code: 0, output: expect.stringContaining('complete') });
  expect(backup.output).not.toContain(PASSWORD);
  const written = await keys('instance-7/');
  expect(written).toHaveLength(2);
  const dump = written.find((k) => k.endsWith('-scheduled.sql.gz'));
  expect(dump).toMatch(/^instance-7\/\d{8}T\d{6}Z-scheduled\.sql\.gz$/);
  expect(written).toContain(dump?.replace(/\.sql\.gz$/, '.done'));
  const body = await (await client.send(new GetObjectCommand({ Bucket: 'unit-backups', Key: dump }))).Body;
  const bytes = Buffer.from((await body?.transformToByteArray()) ?? []);
  expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));

  appwriteUser(fresh);
  const restore = await run(RESTORE_SCRIPT, {
    ...dbEnv(fresh),
    BACKUP_URL: await presignedGet('unit-backups', dump ?? ''),
  });
  expect(restore).toMatchObject({ code: 0 });

  const before = tables(source);
  expect(Object.keys(before)).toHaveLength(6);
  expect(before[`${DB_SCHEMA}._1_users`]?.rows).toBe(ROWS + 1);
  expect(tables(fresh)).toEqual(before);
  expect(fresh.sql('SELECT doc_count();', DB_SCHEMA).trim()).toBe(String(ROWS + 1));
  fresh.sql(`INSERT INTO _1_users (_uid) VALUES ('after-restore');`, DB_SCHEMA);
  expect(
    fresh.sql(`SELECT COUNT(*) FROM _1_audit WHERE event = 'users.create:after-restore';`, DB_SCHEMA).trim(),
  ).toBe('1');
});

test('a dump that fails fails the run and marks no backup good', async () => {
  const wrong = await run(BACKUP_SCRIPT, {
    ...dbEnv(source, 'not-the-password'),
    ...jobEnv({ ...target(), prefix: 'instance-8' }),
    HOSTNAME: 'appwrite-backup-force-trigger-x1',
  });
  expect(wrong.code).not.toBe(0);
  expect((await keys('instance-8/')).filter((k) => k.endsWith('.done'))).toEqual([]);
});
