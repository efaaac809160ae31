import type { JobRequest } from 'qovery-typescript-axios';
import type { QoverySettings } from './blueprint';
import { sizeOf } from './services';
import type { Value } from './variables';

/**
 * The instance's backup: a Qovery CRON job that dumps its MariaDB the way AppWrite's self-hosting
 * guide says (https://appwrite.io/docs/advanced/self-hosting/production/backups: `--all-databases
 * --add-drop-database --single-transaction --routines --triggers`), gzips it and streams it to the
 * deployment's backups bucket, under the instance's own prefix.
 *
 * The image is Debian's official one, pinned to a dated build of Debian 12 (`bookworm`), and the
 * tools are Debian 12's own packages (`mariadb-client` 10.11, the MariaDB of every AppWrite
 * release's compose; `rclone`, which streams an upload of unknown length as a multipart upload;
 * `curl` for a restore): Debian keeps them patched for the life of the release without changing
 * their versions, and the check that proves the command (`npm run test:integration`, on Debian 12)
 * runs the very same packages. No image carries a MariaDB client and an S3 client from a maintained
 * source (MariaDB's official image has no S3 client, rclone's and AWS's have no MariaDB client):
 * the price is an `apt-get install` of about 25 MB at every run, skipped when the tools are there.
 *
 * The dump is taken as AppWrite's own database user (the ENVIRONMENT-scoped `_APP_DB_*`, which a
 * job of the environment reads like every service), which sees every schema AppWrite has and
 * nothing else; the bucket's credentials are the job's own (JOB-scoped secrets, which AppWrite's
 * services never see) and can only write under this instance's prefix (lib/platform/storage).
 */
export const BACKUP_JOB = 'appwrite-backup';

/** Debian 12, the dated build of 2025-12-29 (https://hub.docker.com/_/debian). */
export const BACKUP_IMAGE = { name: 'debian', tag: 'bookworm-20251229-slim' } as const;

/**
 * The job's script: the tools (unless present), then one streamed pipeline whose every failure
 * fails the run (`set -o pipefail`). A dump that fails half-way may still leave a truncated
 * `.sql.gz` (gzip and rclone see a normal end of input): only the `.done` object written after a
 * whole pipeline succeeded marks a backup as good, and lifecycle rules expire the rest.
 *
 * rclone streams in 16 MiB parts, 4 at a time: 64 MiB of memory, and dumps of up to 156 GiB
 * (S3's 10,000 parts).
 *
 * A run Qovery starts on demand (`deploy?forceEvent=CRON`) is a Kubernetes Job named
 * `<cron job>-force-trigger` (Qovery's engine, src/environment/action/deploy_job/cronjob.rs), so
 * its pod's host name tells an on-demand backup from a scheduled one.
 */
export const BACKUP_SCRIPT = `set -euo pipefail
if ! command -v mariadb-dump >/dev/null || ! command -v rclone >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends mariadb-client rclone ca-certificates curl >/dev/null
fi
case "\${HOSTNAME:-}" in *-force-trigger*) kind=on-demand ;; *) kind=scheduled ;; esac
stem="\${BACKUP_PREFIX}/$(date -u +%Y%m%dT%H%M%SZ)-\${kind}"
export MYSQL_PWD="\${_APP_DB_PASS}"
export RCLONE_S3_PROVIDER="\${BACKUP_S3_ENDPOINT:+Other}" RCLONE_S3_ENV_AUTH=false
export RCLONE_S3_ACCESS_KEY_ID="\${BACKUP_S3_ACCESS_KEY_ID}" RCLONE_S3_SECRET_ACCESS_KEY="\${BACKUP_S3_SECRET_ACCESS_KEY}"
export RCLONE_S3_REGION="\${BACKUP_S3_REGION}" RCLONE_S3_ENDPOINT="\${BACKUP_S3_ENDPOINT:-}"
export RCLONE_S3_PROVIDER="\${RCLONE_S3_PROVIDER:-AWS}" RCLONE_S3_NO_CHECK_BUCKET=true RCLONE_S3_NO_HEAD=true
export RCLONE_S3_CHUNK_SIZE=16M RCLONE_S3_UPLOAD_CONCURRENCY=4
mariadb-dump --host="\${_APP_DB_HOST}" --port="\${_APP_DB_PORT}" --user="\${_APP_DB_USER}" \\
  --all-databases --add-drop-database --single-transaction --routines --triggers \\
  | gzip -6 \\
  | rclone rcat ":s3:\${BACKUP_BUCKET}/\${stem}.sql.gz"
date -u +%Y-%m-%dT%H:%M:%SZ | rclone rcat ":s3:\${BACKUP_BUCKET}/\${stem}.done"
echo "backup \${stem} complete"
`;

/**
 * A restore, as AppWrite says, into a fresh installation: the dump (fetched from a short-lived
 * presigned URL, so the restoring instance needs no key to the backups bucket) piped into MariaDB
 * as AppWrite's user, whose password the fresh installation shares with the backed-up one (the
 * instance's secrets are kept for this). `--add-drop-database` in the dump replaces what the fresh
 * installation made of the schemas.
 */
export const RESTORE_SCRIPT = `set -euo pipefail
if ! command -v mariadb >/dev/null || ! command -v curl >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends mariadb-client ca-certificates curl >/dev/null
fi
export MYSQL_PWD="\${_APP_DB_PASS}"
curl -fsS --retry 3 "\${BACKUP_URL}" \\
  | gunzip \\
  | mariadb --host="\${_APP_DB_HOST}" --port="\${_APP_DB_PORT}" --user="\${_APP_DB_USER}"
echo "restore complete"
`;

/** When backups run: a 5-field cron expression in an IANA time zone (Qovery's `cronjob`). */
export interface BackupSchedule {
  cron: string;
  timezone: string;
}

/** Where the job writes, with credentials that can write there only. */
export interface BackupTarget {
  bucket: string;
  /** The instance's prefix in the bucket, e.g. `instance-42`. */
  prefix: string;
  region: string;
  /** An S3-compatible endpoint; absent for Amazon S3. */
  endpoint?: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export function backupJobRequest(settings: QoverySettings, schedule: BackupSchedule): JobRequest {
  const size = sizeOf(settings.instance, BACKUP_JOB);
  return {
    name: BACKUP_JOB,
    description: 'Database backup of this AppWrite instance (managed by AppWrite Cloud)',
    cpu: size.cpu,
    memory: size.memory,
    // One retry: a lost node or a mirror's hiccup should not cost a day's backup.
    max_nb_restart: 1,
    max_duration_seconds: 3600,
    auto_preview: false,
    auto_deploy: false,
    source: {
      image: { image_name: BACKUP_IMAGE.name, tag: BACKUP_IMAGE.tag, registry_id: settings.registryId },
    },
    healthchecks: {},
    schedule: {
      cronjob: {
        scheduled_at: schedule.cron,
        timezone: schedule.timezone,
        entrypoint: '/bin/bash',
        arguments: ['-c', BACKUP_SCRIPT],
      },
    },
  };
}

/** The job's own variables (JOB-scoped): where it writes, and the write-only key. */
export function backupJobVariables(target: BackupTarget): Record<string, Value> {
  return {
    BACKUP_BUCKET: { value: target.bucket, secret: false },
    BACKUP_PREFIX: { value: target.prefix, secret: false },
    BACKUP_S3_REGION: { value: target.region, secret: false },
    ...(target.endpoint ? { BACKUP_S3_ENDPOINT: { value: target.endpoint, secret: false } } : {}),
    BACKUP_S3_ACCESS_KEY_ID: { value: target.accessKeyId, secret: true },
    BACKUP_S3_SECRET_ACCESS_KEY: { value: target.secretAccessKey, secret: true },
  };
}

/** The 5-field cron expressions Qovery takes (no seconds): a light check of each field's alphabet. */
export const CRON = /^(\S+\s+){4}\S+$/;
