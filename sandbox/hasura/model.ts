// Joins the metadata (what is tracked, named and permitted) with the catalog (what exists) into
// the model the schema builder and the SQL compiler share. Like Hasura, anything the metadata
// names that the database lacks is an inconsistency: the stand-in refuses to start on it.

import type { Queryable } from './database';
import { introspectTable, type PgColumn, type PgConstraint } from './introspect';
import type {
  ActionMetadata,
  DeletePermission,
  InsertPermission,
  ProjectMetadata,
  SelectPermission,
  TableMetadata,
  TableName,
  UpdatePermission,
} from './metadata';

export interface Column {
  name: string;
  gqlName: string;
  pg: PgColumn;
  /** The GraphQL scalar Hasura uses for the column's type. */
  scalar: string;
  nullable: boolean;
}

export interface Relationship {
  name: string;
  type: 'object' | 'array';
  remote: Table;
  /** Pairs of (column of this table, column of the remote table). */
  mapping: Array<{ local: string; remote: string }>;
  /** Object relationships over NOT NULL foreign-key columns of this table are non-nullable. */
  nonNull: boolean;
}

export interface RootFieldNames {
  select: string;
  select_by_pk: string;
  select_aggregate: string;
  insert: string;
  insert_one: string;
  update: string;
  update_by_pk: string;
  delete: string;
  delete_by_pk: string;
}

export interface Table {
  name: TableName;
  gqlName: string;
  columns: Column[];
  columnByName: Map<string, Column>;
  columnByGqlName: Map<string, Column>;
  primaryKey: PgConstraint | undefined;
  /** Primary key and unique constraints: the values of `<table>_constraint`. */
  constraints: PgConstraint[];
  relationships: Relationship[];
  relationshipByName: Map<string, Relationship>;
  rootFields: RootFieldNames;
  select: Map<string, SelectPermission>;
  insert: Map<string, InsertPermission>;
  update: Map<string, UpdatePermission>;
  delete: Map<string, DeletePermission>;
}

export interface Model {
  tables: Table[];
  tableByName(name: TableName): Table | undefined;
  actions: ActionMetadata[];
  metadata: ProjectMetadata;
  roles: string[];
}

/** Hasura's `mkScalarTypeName`: five types map to built-in scalars, the rest keep their SQL name. */
const BUILT_IN_SCALARS: Record<string, string> = {
  int4: 'Int',
  bool: 'Boolean',
  float4: 'Float',
  text: 'String',
  varchar: 'String',
};

const SQL_NAMES: Record<string, string> = {
  int2: 'smallint',
  int8: 'bigint',
  float8: 'float8',
  bpchar: 'bpchar',
};

export function scalarForType(typeName: string): string {
  return BUILT_IN_SCALARS[typeName] ?? SQL_NAMES[typeName] ?? typeName;
}

const key = (t: TableName) => `${t.schema}.${t.name}`;

function rootFieldNames(meta: TableMetadata, gqlName: string): RootFieldNames {
  const custom = meta.customRootFields;
  return {
    select: custom.select ?? gqlName,
    select_by_pk: custom.select_by_pk ?? `${gqlName}_by_pk`,
    select_aggregate: custom.select_aggregate ?? `${gqlName}_aggregate`,
    insert: custom.insert ?? `insert_${gqlName}`,
    insert_one: custom.insert_one ?? `insert_${gqlName}_one`,
    update: custom.update ?? `update_${gqlName}`,
    update_by_pk: custom.update_by_pk ?? `update_${gqlName}_by_pk`,
    delete: custom.delete ?? `delete_${gqlName}`,
    delete_by_pk: custom.delete_by_pk ?? `delete_${gqlName}_by_pk`,
  };
}

function inconsistent(message: string): Error {
  return new Error(`Hasura stand-in: inconsistent metadata: ${message}`);
}

function sameColumns(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join('\0') === [...b].sort().join('\0');
}

export async function buildModel(db: Queryable, metadata: ProjectMetadata): Promise<Model> {
  const tables: Table[] = [];
  const fks = new Map<string, Awaited<ReturnType<typeof introspectTable>>>();
  for (const meta of metadata.tables) {
    const pg = await introspectTable(db, meta.table);
    if (!pg) throw inconsistent(`table ${key(meta.table)} is tracked but does not exist in the database`);
    fks.set(key(meta.table), pg);
    const gqlName =
      meta.customName ??
      (meta.table.schema === 'public' ? meta.table.name : `${meta.table.schema}_${meta.table.name}`);
    const columns = pg.columns.map(
      (c): Column => ({
        name: c.name,
        gqlName: meta.columnNames[c.name] ?? c.name,
        pg: c,
        scalar: scalarForType(c.typeName),
        nullable: !c.notNull,
      }),
    );
    const columnByName = new Map(columns.map((c) => [c.name, c]));
    const checkColumns = (cols: string[] | '*', where: string) => {
      if (cols === '*') return;
      for (const c of cols)
        if (!columnByName.has(c)) throw inconsistent(`${where}: no column "${c}" in ${key(meta.table)}`);
    };
    for (const [role, p] of meta.select) checkColumns(p.columns, `select permission for role ${role}`);
    for (const [role, p] of meta.insert) checkColumns(p.columns, `insert permission for role ${role}`);
    for (const [role, p] of meta.update) checkColumns(p.columns, `update permission for role ${role}`);
    tables.push({
      name: meta.table,
      gqlName,
      columns,
      columnByName,
      columnByGqlName: new Map(columns.map((c) => [c.gqlName, c])),
      primaryKey: pg.primaryKey,
      constraints: [...(pg.primaryKey ? [pg.primaryKey] : []), ...pg.uniqueConstraints],
      relationships: [],
      relationshipByName: new Map(),
      rootFields: rootFieldNames(meta, gqlName),
      select: meta.select,
      insert: meta.insert,
      update: meta.update,
      delete: meta.delete,
    });
  }

  const byKey = new Map(tables.map((t) => [key(t.name), t]));
  metadata.tables.forEach((meta, index) => {
    const table = tables[index] as Table;
    const pg = fks.get(key(meta.table));
    for (const rel of meta.relationships) {
      let relationship: Relationship;
      const where = `relationship ${key(meta.table)}.${rel.name}`;
      if ('foreignKey' in rel.using && rel.using.foreignKey.kind === 'local') {
        const columns = rel.using.foreignKey.columns;
        const fk = pg?.foreignKeys.find((f) => sameColumns(f.columns, columns));
        if (!fk) throw inconsistent(`${where}: no foreign key constraint on column(s) ${columns.join(', ')}`);
        const remote = byKey.get(key(fk.refTable));
        if (!remote) throw inconsistent(`${where}: table ${key(fk.refTable)} is not tracked`);
        relationship = {
          name: rel.name,
          type: rel.type,
          remote,
          mapping: fk.columns.map((c, i) => ({ local: c, remote: fk.refColumns[i] ?? '' })),
          nonNull:
            rel.type === 'object' && fk.columns.every((c) => table.columnByName.get(c)?.pg.notNull === true),
        };
      } else if ('foreignKey' in rel.using && rel.using.foreignKey.kind === 'remote') {
        const { table: remoteName, columns } = rel.using.foreignKey;
        const remote = byKey.get(key(remoteName));
        if (!remote) throw inconsistent(`${where}: table ${key(remoteName)} is not tracked`);
        const fk = fks
          .get(key(remoteName))
          ?.foreignKeys.find((f) => sameColumns(f.columns, columns) && key(f.refTable) === key(meta.table));
        if (!fk)
          throw inconsistent(
            `${where}: no foreign key on ${key(remoteName)}(${columns.join(', ')}) to ${key(meta.table)}`,
          );
        relationship = {
          name: rel.name,
          type: rel.type,
          remote,
          mapping: fk.columns.map((c, i) => ({ local: fk.refColumns[i] ?? '', remote: c })),
          nonNull: false,
        };
      } else if ('manual' in rel.using) {
        const remote = byKey.get(key(rel.using.manual.remoteTable));
        if (!remote)
          throw inconsistent(`${where}: table ${key(rel.using.manual.remoteTable)} is not tracked`);
        relationship = {
          name: rel.name,
          type: rel.type,
          remote,
          mapping: Object.entries(rel.using.manual.columnMapping).map(([local, r]) => ({ local, remote: r })),
          nonNull: false,
        };
      } else {
        throw inconsistent(`${where}: unsupported relationship definition`);
      }
      for (const { local, remote } of relationship.mapping) {
        if (!table.columnByName.has(local) || !relationship.remote.columnByName.has(remote)) {
          throw inconsistent(`${where}: unknown column in mapping ${local} -> ${remote}`);
        }
      }
      table.relationships.push(relationship);
      table.relationshipByName.set(relationship.name, relationship);
    }
  });

  const roles = new Set<string>(['admin']);
  for (const t of tables)
    for (const perms of [t.select, t.insert, t.update, t.delete]) for (const r of perms.keys()) roles.add(r);
  for (const a of metadata.actions) for (const r of a.roles) roles.add(r);

  return {
    tables,
    tableByName: (name) => byKey.get(key(name)),
    actions: metadata.actions,
    metadata,
    roles: [...roles],
  };
}
