// insert / insert_one (with on_conflict), update / update_by_pk (_set, _inc), delete /
// delete_by_pk. Each runs as one SQL statement returning the touched rows; the permission `check`
// and the client's selection (`affected_rows`, `returning { … }` or the single row) are then
// computed from those rows in a second statement of the same transaction, so relationships in
// `returning` see the data as it is after the mutation.

import type { FieldNode, GraphQLObjectType } from 'graphql';
import type { Queryable } from './database';
import { fromPostgresError, HasuraError, isPostgresError, type JsonValue, jsonPath } from './errors';
import { qualified, quoteIdent } from './introspect';
import type { BoolExp } from './metadata';
import type { Column, Table } from './model';
import type { RootFieldInfo } from './schema';
import { argumentsOf, type FieldGroups, subFields } from './selection';
import {
  boolExpSql,
  type CompileContext,
  Params,
  type Path,
  permissionFilter,
  pkCondition,
  rowJson,
  sqlString,
  valueSql,
} from './sql';

type MutationKind = Extract<RootFieldInfo, { table: Table }>['kind'];

function statement(ctx: CompileContext): CompileContext {
  return { ...ctx, params: new Params() };
}

async function run<T>(tx: Queryable, sql: string, params: Params, errorPath: string): Promise<T[]> {
  try {
    const result = await tx.query<T>(sql, params.values);
    return result.rows;
  } catch (error) {
    if (isPostgresError(error)) throw fromPostgresError(error, errorPath);
    throw error;
  }
}

function columnByGql(table: Table, name: string, path: Path): Column {
  const column = table.columnByGqlName.get(name);
  if (!column)
    throw new HasuraError('validation-failed', `field '${name}' not found in type: '${table.gqlName}'`, {
      path: jsonPath(path),
    });
  return column;
}

interface Returned {
  /** JSON text of each touched row, as `to_json(row)` produced it. */
  rows: string[];
}

async function insertRows(
  ctx: CompileContext,
  tx: Queryable,
  table: Table,
  objects: Array<Record<string, unknown>>,
  onConflict:
    | { constraint: string; update_columns?: string[]; where?: Record<string, unknown> | null }
    | null
    | undefined,
  path: Path,
  errorPath: string,
): Promise<Returned> {
  if (objects.length === 0) return { rows: [] };
  const access = ctx.view.insert(table);
  if (!access)
    throw new HasuraError('permission-denied', `insert permission not found for role ${ctx.view.role}`);
  const s = statement(ctx);
  const presets = Object.entries(access.presets);
  const columns: Column[] = [];
  const add = (c: Column) => {
    if (!columns.includes(c)) columns.push(c);
  };
  for (const object of objects)
    for (const key of Object.keys(object)) if (object[key] !== undefined) add(columnByGql(table, key, path));
  for (const [name] of presets) add(table.columnByName.get(name) as Column);
  if (columns.length === 0) {
    const first = table.columns.find((c) => !c.pg.generated);
    if (!first) throw new HasuraError('validation-failed', 'no columns to insert', { path: errorPath });
    columns.push(first);
  }
  const rows = objects.map((object) => {
    const values = columns.map((column) => {
      const preset = presets.find(([name]) => name === column.name);
      if (preset) return valueSql(s, preset[1], column, 'permission');
      const value = object[column.gqlName];
      return value === undefined ? 'DEFAULT' : valueSql(s, value, column, 'client');
    });
    return `(${values.join(', ')})`;
  });
  const t = s.nextAlias();
  let conflict = '';
  if (onConflict) {
    const update = ctx.view.update(table);
    const updateColumns = (onConflict.update_columns ?? []).filter((c) => c !== '_PLACEHOLDER');
    if (updateColumns.length === 0) {
      conflict = ` ON CONFLICT ON CONSTRAINT ${quoteIdent(onConflict.constraint)} DO NOTHING`;
    } else {
      const sets = updateColumns.map((c) => `${quoteIdent(c)} = EXCLUDED.${quoteIdent(c)}`);
      for (const [name, value] of Object.entries(update?.presets ?? {})) {
        sets.push(
          `${quoteIdent(name)} = ${valueSql(s, value, table.columnByName.get(name) as Column, 'permission')}`,
        );
      }
      const conditions = [`(${boolExpSql(s, table, t, update?.filter ?? {}, 'permission', [])})`];
      if (onConflict.where)
        conditions.push(
          `(${boolExpSql(s, table, t, onConflict.where, 'client', [...path, 'on_conflict', 'where'])})`,
        );
      conflict = ` ON CONFLICT ON CONSTRAINT ${quoteIdent(onConflict.constraint)} DO UPDATE SET ${sets.join(', ')} WHERE ${conditions.join(' AND ')}`;
    }
  }
  const sql = `INSERT INTO ${qualified(table.name)} AS ${t} (${columns.map((c) => quoteIdent(c.name)).join(', ')}) VALUES ${rows.join(', ')}${conflict} RETURNING to_json(${t})::text AS j`;
  const result = await run<{ j: string }>(tx, sql, s.params, errorPath);
  return { rows: result.map((r) => r.j) };
}

async function updateRows(
  ctx: CompileContext,
  tx: Queryable,
  table: Table,
  args: Record<string, unknown>,
  where: (s: CompileContext, alias: string) => string,
  path: Path,
  operators: string[],
): Promise<Returned> {
  const access = ctx.view.update(table);
  if (!access)
    throw new HasuraError('permission-denied', `update permission not found for role ${ctx.view.role}`);
  const s = statement(ctx);
  const t = s.nextAlias();
  const sets: string[] = [];
  const operatorsOf = new Map<string, string[]>();
  const assign = (
    operator: string,
    key: string,
    value: unknown,
    expr: (column: string, param: string) => string,
  ) => {
    if (value === undefined) return;
    const column = columnByGql(table, key, [...path, operator]);
    operatorsOf.set(column.name, [...(operatorsOf.get(column.name) ?? []), operator]);
    sets.push(
      `${quoteIdent(column.name)} = ${expr(`${t}.${quoteIdent(column.name)}`, valueSql(s, value, column, 'client'))}`,
    );
  };
  for (const [key, value] of Object.entries((args._set ?? {}) as Record<string, unknown>)) {
    assign('_set', key, value, (_, param) => param);
  }
  for (const [key, value] of Object.entries((args._inc ?? {}) as Record<string, unknown>)) {
    assign('_inc', key, value, (current, param) => `${current} + ${param}`);
  }
  const clashes = [...operatorsOf].filter(([, ops]) => ops.length > 1);
  if (clashes.length > 0) {
    const detail = clashes.map(([column, ops]) => `"${column}" in ${ops.join(', ')}`).join('. ');
    throw new HasuraError('validation-failed', `column found in multiple operators; ${detail}`, {
      path: jsonPath(path),
    });
  }
  const conditions = `(${boolExpSql(s, table, t, access.filter, 'permission', [])}) AND (${where(s, t)})`;
  const presets = Object.entries(access.presets);
  if (sets.length === 0 && presets.length === 0) {
    throw new HasuraError('validation-failed', `At least any one of ${operators.join(', ')} is expected`, {
      path: jsonPath(path),
    });
  }
  for (const [name, value] of presets) {
    sets.push(
      `${quoteIdent(name)} = ${valueSql(s, value, table.columnByName.get(name) as Column, 'permission')}`,
    );
  }
  const sql = `UPDATE ${qualified(table.name)} AS ${t} SET ${sets.join(', ')} WHERE ${conditions} RETURNING to_json(${t})::text AS j`;
  return { rows: (await run<{ j: string }>(tx, sql, s.params, '$')).map((r) => r.j) };
}

async function deleteRows(
  ctx: CompileContext,
  tx: Queryable,
  table: Table,
  where: (s: CompileContext, alias: string) => string,
): Promise<Returned> {
  const access = ctx.view.delete(table);
  if (!access)
    throw new HasuraError('permission-denied', `delete permission not found for role ${ctx.view.role}`);
  const s = statement(ctx);
  const t = s.nextAlias();
  const sql = `DELETE FROM ${qualified(table.name)} AS ${t} WHERE (${boolExpSql(s, table, t, access.filter, 'permission', [])}) AND (${where(s, t)}) RETURNING to_json(${t})::text AS j`;
  return { rows: (await run<{ j: string }>(tx, sql, s.params, '$')).map((r) => r.j) };
}

/** `FROM <the returned rows> AS alias`, in the order PostgreSQL returned them. */
function returnedRowsFrom(
  s: CompileContext,
  table: Table,
  returned: Returned,
  alias: string,
): { from: string; order: string } {
  const rows = s.params.add(`[${returned.rows.join(',')}]`, 'json');
  const e = s.nextAlias();
  return {
    from: `json_array_elements(${rows}) WITH ORDINALITY AS ${e}(value, ord), LATERAL json_populate_record(NULL::${qualified(table.name)}, ${e}.value) AS ${alias}`,
    order: `${e}.ord`,
  };
}

async function enforceCheck(
  ctx: CompileContext,
  tx: Queryable,
  table: Table,
  check: BoolExp | undefined,
  returned: Returned,
  errorPath: string,
): Promise<void> {
  if (!check || Object.keys(check).length === 0 || returned.rows.length === 0) return;
  const s = statement(ctx);
  const a = s.nextAlias();
  const { from } = returnedRowsFrom(s, table, returned, a);
  const sql = `SELECT count(*)::int AS n FROM ${from} WHERE NOT coalesce((${boolExpSql(s, table, a, check, 'permission', [])}), false)`;
  const [row] = await run<{ n: number }>(tx, sql, s.params, errorPath);
  if ((row?.n ?? 0) > 0) {
    throw new HasuraError('permission-error', 'check constraint of an insert/update permission has failed', {
      path: errorPath,
    });
  }
}

async function output(
  ctx: CompileContext,
  tx: Queryable,
  table: Table,
  returned: Returned,
  single: boolean,
  nodes: FieldNode[],
  path: Path,
): Promise<JsonValue> {
  const s = statement(ctx);
  let sql: string;
  if (single) {
    const a = s.nextAlias();
    const { from, order } = returnedRowsFrom(s, table, returned, a);
    const visible = `(${permissionFilter(s, table, a)})`;
    const fields = subFields(s, s.schema.getType(table.gqlName) as GraphQLObjectType, nodes);
    sql = `SELECT (${rowJson(s, table, a, fields, path)})::text AS j FROM ${from} WHERE ${visible} ORDER BY ${order} LIMIT 1`;
  } else {
    const responseType = s.schema.getType(`${table.gqlName}_mutation_response`) as GraphQLObjectType;
    const parts: string[] = [];
    for (const [key, group] of subFields(s, responseType, nodes)) {
      const name = (group[0] as FieldNode).name.value;
      if (name === '__typename') parts.push(`${sqlString(responseType.name)} AS ${quoteIdent(key)}`);
      else if (name === 'affected_rows') parts.push(`${returned.rows.length}::int AS ${quoteIdent(key)}`);
      else if (name === 'returning') {
        const b = s.nextAlias();
        const fields: FieldGroups = subFields(s, s.schema.getType(table.gqlName) as GraphQLObjectType, group);
        const rows = returnedRowsFrom(s, table, returned, b);
        parts.push(
          `(SELECT coalesce(json_agg(${rowJson(s, table, b, fields, [...path, key])} ORDER BY ${rows.order}), '[]'::json) FROM ${rows.from} WHERE (${permissionFilter(s, table, b)})) AS ${quoteIdent(key)}`,
        );
      }
    }
    const e = s.nextAlias();
    sql = `SELECT (SELECT row_to_json(${e}) FROM (SELECT ${parts.join(', ')}) AS ${e})::text AS j`;
  }
  const rows = await run<{ j: string | null }>(tx, sql, s.params, '$');
  const text = rows[0]?.j;
  return text ? (JSON.parse(text) as JsonValue) : null;
}

/** Runs one mutation root field inside the request's transaction and returns its JSON value. */
export async function runMutationField(
  ctx: CompileContext,
  tx: Queryable,
  kind: MutationKind,
  table: Table,
  key: string,
  nodes: FieldNode[],
): Promise<JsonValue> {
  const node = nodes[0] as FieldNode;
  const mutationType = ctx.schema.getMutationType() as GraphQLObjectType;
  const def = mutationType.getFields()[node.name.value];
  if (!def)
    throw new HasuraError(
      'validation-failed',
      `field '${node.name.value}' not found in type: 'mutation_root'`,
    );
  const path: Path = ['selectionSet', key];
  const args = argumentsOf(ctx, def, node, jsonPath([...path, 'args']));
  const argsPath: Path = [...path, 'args'];

  switch (kind) {
    case 'insert':
    case 'insert_one': {
      const one = kind === 'insert_one';
      const objects = (one ? [args.object] : args.objects) as Array<Record<string, unknown>>;
      const errorPath = jsonPath([...argsPath, one ? 'object' : 'objects']);
      const returned = await insertRows(
        ctx,
        tx,
        table,
        objects,
        args.on_conflict as Parameters<typeof insertRows>[4],
        [...argsPath, one ? 'object' : 'objects'],
        errorPath,
      );
      await enforceCheck(ctx, tx, table, ctx.view.insert(table)?.check, returned, errorPath);
      return output(ctx, tx, table, returned, one, nodes, path);
    }
    case 'update':
    case 'update_by_pk': {
      const byPk = kind === 'update_by_pk';
      const where = byPk
        ? (s: CompileContext, alias: string) =>
            pkCondition(s, table, alias, args.pk_columns as Record<string, unknown>)
        : (s: CompileContext, alias: string) =>
            boolExpSql(s, table, alias, args.where as Record<string, unknown>, 'client', [
              ...argsPath,
              'where',
            ]);
      // Hasura lists the operators the role can use, in its parser order.
      const operators = ['_set', '_inc'].filter((op) => def.args.some((a) => a.name === op));
      const returned = await updateRows(ctx, tx, table, args, where, argsPath, operators);
      await enforceCheck(ctx, tx, table, ctx.view.update(table)?.check, returned, '$');
      return output(ctx, tx, table, returned, byPk, nodes, path);
    }
    case 'delete':
    case 'delete_by_pk': {
      const byPk = kind === 'delete_by_pk';
      const where = byPk
        ? (s: CompileContext, alias: string) => pkCondition(s, table, alias, args)
        : (s: CompileContext, alias: string) =>
            boolExpSql(s, table, alias, args.where as Record<string, unknown>, 'client', [
              ...argsPath,
              'where',
            ]);
      const returned = await deleteRows(ctx, tx, table, where);
      return output(ctx, tx, table, returned, byPk, nodes, path);
    }
    default:
      throw new HasuraError('unexpected', `not a mutation: ${kind}`);
  }
}
