// Reads what Hasura reads from PostgreSQL's catalog for each tracked table: columns (type,
// nullability, defaults, identity/generated), the primary key, unique constraints and foreign keys.

import type { Queryable } from './database';
import type { TableName } from './metadata';

export interface PgColumn {
  name: string;
  /** `pg_type.typname`: int4, text, timestamptz, _text (arrays), … */
  typeName: string;
  /** The type without modifiers, usable in a cast: `integer`, `character varying`, `text[]`. */
  castType: string;
  notNull: boolean;
  hasDefault: boolean;
  /** `GENERATED ALWAYS AS IDENTITY` or a generated (computed) column: never written by clients. */
  generated: boolean;
  position: number;
}

export interface PgConstraint {
  name: string;
  columns: string[];
}

export interface PgForeignKey {
  name: string;
  columns: string[];
  refTable: TableName;
  refColumns: string[];
}

export interface PgTable {
  table: TableName;
  columns: PgColumn[];
  primaryKey: PgConstraint | undefined;
  uniqueConstraints: PgConstraint[];
  foreignKeys: PgForeignKey[];
}

interface ColumnRow {
  name: string;
  type_name: string;
  cast_type: string;
  not_null: boolean;
  has_default: boolean;
  identity: string;
  generated_col: string;
  position: number;
}

interface ConstraintRow {
  name: string;
  kind: string;
  columns: string[];
  ref_schema: string | null;
  ref_table: string | null;
  ref_columns: string[] | null;
}

const COLUMNS_SQL = `
  SELECT a.attname AS name, t.typname AS type_name, format_type(a.atttypid, NULL) AS cast_type,
         a.attnotnull AS not_null, a.atthasdef AS has_default, a.attidentity::text AS identity,
         a.attgenerated::text AS generated_col, a.attnum::int AS position
    FROM pg_attribute a
    JOIN pg_type t ON t.oid = a.atttypid
   WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
   ORDER BY a.attnum`;

const CONSTRAINTS_SQL = `
  SELECT c.conname AS name, c.contype::text AS kind,
         ARRAY(SELECT att.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(attnum, ord)
               JOIN pg_attribute att ON att.attrelid = c.conrelid AND att.attnum = k.attnum ORDER BY k.ord) AS columns,
         rn.nspname::text AS ref_schema, rc.relname::text AS ref_table,
         CASE WHEN c.contype = 'f' THEN
           ARRAY(SELECT att.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(attnum, ord)
                 JOIN pg_attribute att ON att.attrelid = c.confrelid AND att.attnum = k.attnum ORDER BY k.ord)
         END AS ref_columns
    FROM pg_constraint c
    LEFT JOIN pg_class rc ON rc.oid = c.confrelid
    LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
   WHERE c.conrelid = $1::regclass AND c.contype IN ('p', 'u', 'f')
   ORDER BY c.conname`;

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function qualified(table: TableName): string {
  return `${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;
}

export async function introspectTable(db: Queryable, table: TableName): Promise<PgTable | undefined> {
  const exists = await db.query<{ oid: string | null }>('SELECT to_regclass($1)::text AS oid', [
    qualified(table),
  ]);
  if (!exists.rows[0]?.oid) return undefined;
  const columns = await db.query<ColumnRow>(COLUMNS_SQL, [qualified(table)]);
  const constraints = await db.query<ConstraintRow>(CONSTRAINTS_SQL, [qualified(table)]);
  const pk = constraints.rows.find((c) => c.kind === 'p');
  return {
    table,
    columns: columns.rows.map((c) => ({
      name: c.name,
      typeName: c.type_name,
      castType: c.cast_type,
      notNull: c.not_null,
      hasDefault: c.has_default || c.identity !== '',
      generated: c.identity === 'a' || c.generated_col !== '',
      position: c.position,
    })),
    primaryKey: pk ? { name: pk.name, columns: pk.columns } : undefined,
    uniqueConstraints: constraints.rows
      .filter((c) => c.kind === 'u')
      .map((c) => ({ name: c.name, columns: c.columns })),
    foreignKeys: constraints.rows
      .filter((c) => c.kind === 'f')
      .map((c) => ({
        name: c.name,
        columns: c.columns,
        refTable: { schema: c.ref_schema ?? 'public', name: c.ref_table ?? '' },
        refColumns: c.ref_columns ?? [],
      })),
  };
}
