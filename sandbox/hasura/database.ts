// The stand-in's PostgreSQL: PGlite (PostgreSQL compiled to WebAssembly), on disk for the local
// start command, in memory for tests. Migrations are applied in version order and recorded in
// `hdb_catalog.schema_migrations`, like the Hasura CLI does, so a database is never migrated twice.
//
// Creating a PGlite database runs initdb (several seconds). In-memory databases therefore start
// from a snapshot of an already migrated database, cached in the OS temp directory and keyed by
// the PGlite version and the migrations' text.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { PGlite, PGliteOptions, Transaction } from '@electric-sql/pglite';
import type { Migration } from './metadata';
import { nodeRequire, nodeResolve } from './node-loader';

export type Queryable = Pick<Transaction, 'query' | 'exec'>;

interface PGliteModule {
  PGlite: typeof PGlite;
}

function pglite(): PGliteModule {
  return nodeRequire<PGliteModule>('@electric-sql/pglite');
}

function pgliteVersion(): string {
  try {
    const main = nodeResolve('@electric-sql/pglite');
    const pkg = JSON.parse(readFileSync(join(dirname(main), '..', 'package.json'), 'utf8')) as {
      version?: string;
    };
    return String(pkg.version ?? 'unknown');
  } catch {
    return 'unknown';
  }
}

const TRACKING_SQL = `
  CREATE SCHEMA IF NOT EXISTS hdb_catalog;
  CREATE TABLE IF NOT EXISTS hdb_catalog.schema_migrations (
    version bigint PRIMARY KEY,
    dirty boolean NOT NULL DEFAULT false,
    applied_at timestamptz NOT NULL DEFAULT now()
  );`;

/** Applies, in order, the migrations not yet recorded; returns the versions it applied. */
export async function applyMigrations(db: PGlite, migrations: readonly Migration[]): Promise<string[]> {
  await db.exec(TRACKING_SQL);
  const done = await db.query<{ version: string }>(
    'SELECT version::text AS version FROM hdb_catalog.schema_migrations',
  );
  const applied = new Set(done.rows.map((row) => row.version));
  const now: string[] = [];
  for (const migration of migrations) {
    if (applied.has(migration.version)) continue;
    try {
      await db.transaction(async (tx) => {
        await tx.exec(migration.upSql);
        await tx.query('INSERT INTO hdb_catalog.schema_migrations (version) VALUES ($1::bigint)', [
          migration.version,
        ]);
      });
    } catch (error) {
      const message =
        error && typeof error === 'object' && 'message' in error ? String(error.message) : String(error);
      throw new Error(`Hasura stand-in: migration ${migration.version}_${migration.name} failed: ${message}`);
    }
    now.push(migration.version);
  }
  return now;
}

function snapshotKey(migrations: readonly Migration[]): string {
  const hash = createHash('sha256').update(pgliteVersion());
  for (const m of migrations) hash.update(`\0${m.version}\0${m.upSql}`);
  return hash.digest('hex').slice(0, 32);
}

function snapshotDir(): string {
  return join(tmpdir(), 'hasura-stand-in-snapshots');
}

export interface OpenDatabaseOptions {
  /** A directory for an on-disk database; in memory when absent. */
  dataDir?: string;
  migrations: readonly Migration[];
  /** Reuse (and write) the snapshot cache for in-memory databases. Default true. */
  useSnapshotCache?: boolean;
}

/** Opens (creating if needed) a PGlite database with every migration applied. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<PGlite> {
  const { PGlite: PGliteClass } = pglite();
  if (options.dataDir) {
    mkdirSync(options.dataDir, { recursive: true });
    const db = await PGliteClass.create(options.dataDir);
    await applyMigrations(db, options.migrations);
    return db;
  }
  if (options.useSnapshotCache === false) {
    const db = await PGliteClass.create();
    await applyMigrations(db, options.migrations);
    return db;
  }

  const file = join(snapshotDir(), `${snapshotKey(options.migrations)}.tar`);
  if (existsSync(file)) {
    try {
      const { Blob: NodeBlob } = nodeRequire<typeof import('node:buffer')>('node:buffer');
      const loadDataDir = new NodeBlob([readFileSync(file)]) as unknown as PGliteOptions['loadDataDir'];
      const db = await PGliteClass.create({ loadDataDir });
      await applyMigrations(db, options.migrations);
      return db;
    } catch {
      // A damaged snapshot: fall through and rebuild it.
    }
  }
  const db = await PGliteClass.create();
  await applyMigrations(db, options.migrations);
  try {
    const dump = await db.dumpDataDir('none');
    mkdirSync(snapshotDir(), { recursive: true });
    const partial = `${file}.${process.pid}.${Date.now()}.partial`;
    writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    renameSync(partial, file);
  } catch {
    // The cache is an optimisation only.
  }
  return db;
}
