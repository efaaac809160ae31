// Compiles GraphQL selections over tracked tables into one SQL expression that builds the JSON
// answer inside PostgreSQL, as Hasura does: `row_to_json` per row, `json_agg` per list, correlated
// subqueries for relationships, the role's row filter ANDed into every table read (including
// relationships traversed in `where`), and values always passed as typed parameters.

import { type FieldNode, type GraphQLObjectType, type GraphQLSchema, getNamedType } from 'graphql';
import type { Session } from './auth';
import { HasuraError, jsonPath } from './errors';
import { qualified, quoteIdent } from './introspect';
import type { BoolExp, TableName } from './metadata';
import type { Column, Model, Relationship, Table } from './model';
import type { RoleView } from './permissions';
import type { RoleSchema } from './schema';
import { argumentsOf, type FieldGroups, type SelectionContext, subFields } from './selection';

export class Params {
  readonly values: Array<string | null> = [];

  add(value: string | null, cast: string): string {
    this.values.push(value);
    return `($${this.values.length})::${cast}`;
  }
}

export interface CompileContext extends SelectionContext {
  model: Model;
  roleSchema: RoleSchema;
  schema: GraphQLSchema;
  view: RoleView;
  session: Session;
  params: Params;
  nextAlias(): string;
}

export type Path = Array<string | number>;

export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function pgArrayLiteral(items: readonly unknown[]): string {
  const quote = (item: unknown): string => {
    if (item === null || item === undefined) return 'NULL';
    if (Array.isArray(item)) return pgArrayLiteral(item);
    const text = typeof item === 'object' ? JSON.stringify(item) : String(item);
    return `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
  };
  return `{${items.map(quote).join(',')}}`;
}

/** The text PostgreSQL parses into the column's type (cast explicitly at the use site). */
export function toPgText(value: unknown, column: Column): string | null {
  if (value === null || value === undefined) return null;
  const type = column.pg.typeName;
  if (type === 'json' || type === 'jsonb') return JSON.stringify(value);
  if (Array.isArray(value)) return pgArrayLiteral(value);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function isSessionVariableName(value: unknown): value is string {
  return typeof value === 'string' && value.toLowerCase().startsWith('x-hasura-');
}

export function sessionValue(session: Session, name: string): string {
  const key = name.toLowerCase();
  const value = session.variables[key];
  if (value === undefined) throw new HasuraError('not-found', `missing session variable: "${key}"`);
  return value;
}

export type ExpSource = 'client' | 'permission';

/** A value from a client argument, or from permission metadata where strings may name session variables. */
export function valueSql(ctx: CompileContext, value: unknown, column: Column, source: ExpSource): string {
  if (source === 'permission' && isSessionVariableName(value)) {
    return ctx.params.add(sessionValue(ctx.session, value), column.pg.castType);
  }
  return ctx.params.add(toPgText(value, column), column.pg.castType);
}

function nullError(scalar: string, path: Path): HasuraError {
  const messages: Record<string, string> = {
    Int: 'expected a 32-bit integer for type "Int", but found null',
    Float: 'expected a float for type "Float", but found null',
    String: 'expected a string for type "String", but found null',
    Boolean: 'expected a boolean for type "Boolean", but found null',
  };
  return new HasuraError(
    'validation-failed',
    messages[scalar] ?? `unexpected null value for type "${scalar}"`,
    {
      path: jsonPath(path),
    },
  );
}

const BINARY_OPS: Record<string, string> = {
  _eq: '=',
  _neq: '<>',
  _gt: '>',
  _gte: '>=',
  _lt: '<',
  _lte: '<=',
  _like: 'LIKE',
  _nlike: 'NOT LIKE',
  _ilike: 'ILIKE',
  _nilike: 'NOT ILIKE',
  _similar: 'SIMILAR TO',
  _nsimilar: 'NOT SIMILAR TO',
  _regex: '~',
  _nregex: '!~',
  _iregex: '~*',
  _niregex: '!~*',
  _contains: '@>',
  _contained_in: '<@',
};

const COLUMN_OPS: Record<string, string> = {
  _ceq: '=',
  _cneq: '<>',
  _cgt: '>',
  _cgte: '>=',
  _clt: '<',
  _clte: '<=',
};

function comparisonSql(
  ctx: CompileContext,
  table: Table,
  alias: string,
  column: Column,
  ops: Record<string, unknown>,
  source: ExpSource,
  path: Path,
): string {
  const col = `${alias}.${quoteIdent(column.name)}`;
  const parts: string[] = [];
  for (const [op, value] of Object.entries(ops)) {
    if (value === undefined) continue;
    const opPath = [...path, op];
    if (value === null) throw nullError(op === '_is_null' ? 'Boolean' : column.scalar, opPath);
    const binary = BINARY_OPS[op];
    if (binary) {
      parts.push(`(${col} ${binary} ${valueSql(ctx, value, column, source)})`);
    } else if (op === '_is_null') {
      parts.push(value === true ? `(${col} IS NULL)` : `(${col} IS NOT NULL)`);
    } else if (op === '_in' || op === '_nin') {
      const negate = op === '_nin';
      if (Array.isArray(value)) {
        if (value.length === 0) parts.push(negate ? 'true' : 'false');
        else
          parts.push(
            `(${col} ${negate ? 'NOT IN' : 'IN'} (${value.map((v) => valueSql(ctx, v, column, source)).join(', ')}))`,
          );
      } else if (source === 'permission' && isSessionVariableName(value)) {
        const arr = ctx.params.add(sessionValue(ctx.session, value), `${column.pg.castType}[]`);
        parts.push(negate ? `(${col} <> ALL(${arr}))` : `(${col} = ANY(${arr}))`);
      } else {
        throw new HasuraError('validation-failed', `expected a list for "${op}"`, { path: jsonPath(opPath) });
      }
    } else if (op === '_has_key') {
      parts.push(`(${col} ? ${ctx.params.add(String(value), 'text')})`);
    } else if (op === '_has_keys_any' || op === '_has_keys_all') {
      const arr = ctx.params.add(pgArrayLiteral(value as unknown[]), 'text[]');
      parts.push(`(${col} ${op === '_has_keys_any' ? '?|' : '?&'} ${arr})`);
    } else if (COLUMN_OPS[op]) {
      const name = Array.isArray(value) ? String(value[value.length - 1]) : String(value);
      const other = table.columnByName.get(name) ?? table.columnByGqlName.get(name);
      if (!other)
        throw new HasuraError('validation-failed', `column "${name}" not found`, { path: jsonPath(opPath) });
      parts.push(`(${col} ${COLUMN_OPS[op]} ${alias}.${quoteIdent(other.name)})`);
    } else {
      throw new HasuraError('validation-failed', `unsupported operator "${op}"`, { path: jsonPath(opPath) });
    }
  }
  return parts.length > 0 ? parts.join(' AND ') : 'true';
}

/** `alias.pk1 = $1 AND …` from primary key values keyed by GraphQL column names. */
export function pkCondition(
  ctx: CompileContext,
  table: Table,
  alias: string,
  values: Record<string, unknown>,
): string {
  const pk = table.primaryKey;
  if (!pk) throw new HasuraError('unexpected', `table ${table.gqlName} has no primary key`);
  return pk.columns
    .map((name) => {
      const column = table.columnByName.get(name) as Column;
      return `(${alias}.${quoteIdent(name)} = ${valueSql(ctx, values[column.gqlName], column, 'client')})`;
    })
    .join(' AND ');
}

export function joinSql(rel: Relationship, localAlias: string, remoteAlias: string): string {
  return rel.mapping
    .map(({ local, remote }) => `(${localAlias}.${quoteIdent(local)} = ${remoteAlias}.${quoteIdent(remote)})`)
    .join(' AND ');
}

/** The role's row filter on a table read as `alias` (`true` for admin). */
export function permissionFilter(ctx: CompileContext, table: Table, alias: string): string {
  const access = ctx.view.select(table);
  if (!access) return 'false';
  return boolExpSql(ctx, table, alias, access.filter, 'permission', []);
}

export function boolExpSql(
  ctx: CompileContext,
  table: Table,
  alias: string,
  exp: BoolExp | Record<string, unknown>,
  source: ExpSource,
  path: Path,
): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(exp)) {
    if (value === undefined) continue;
    const here = [...path, key];
    if (value === null)
      throw new HasuraError('validation-failed', `unexpected null value for "${key}"`, {
        path: jsonPath(here),
      });
    if (key === '_and' || key === '_or') {
      const items = Array.isArray(value) ? value : [value];
      const compiled = items.map(
        (item, i) => `(${boolExpSql(ctx, table, alias, item as BoolExp, source, [...here, i])})`,
      );
      if (compiled.length === 0) parts.push(key === '_and' ? 'true' : 'false');
      else parts.push(`(${compiled.join(key === '_and' ? ' AND ' : ' OR ')})`);
    } else if (key === '_not') {
      parts.push(`(NOT (${boolExpSql(ctx, table, alias, value as BoolExp, source, here)}))`);
    } else if (key === '_exists' && source === 'permission') {
      const spec = value as { _table: TableName | string; _where?: BoolExp };
      const name: TableName =
        typeof spec._table === 'string' ? { schema: 'public', name: spec._table } : spec._table;
      const other = ctx.model.tableByName({ schema: name.schema ?? 'public', name: name.name });
      if (!other) throw new HasuraError('unexpected', `_exists: table ${name.name} is not tracked`);
      const a = ctx.nextAlias();
      parts.push(
        `EXISTS (SELECT 1 FROM ${qualified(other.name)} AS ${a} WHERE ${boolExpSql(ctx, other, a, spec._where ?? {}, source, here)})`,
      );
    } else {
      const column = source === 'client' ? table.columnByGqlName.get(key) : table.columnByName.get(key);
      if (column) {
        parts.push(
          `(${comparisonSql(ctx, table, alias, column, value as Record<string, unknown>, source, here)})`,
        );
        continue;
      }
      const rel = table.relationshipByName.get(key);
      if (!rel)
        throw new HasuraError(
          'validation-failed',
          `field '${key}' not found in type: '${table.gqlName}_bool_exp'`,
          { path: jsonPath(here) },
        );
      const a = ctx.nextAlias();
      const conditions = [joinSql(rel, alias, a)];
      // A client's condition on a relationship only sees the rows the role may read there;
      // permission filters themselves are evaluated without permissions.
      if (source === 'client') conditions.push(`(${permissionFilter(ctx, rel.remote, a)})`);
      conditions.push(`(${boolExpSql(ctx, rel.remote, a, value as BoolExp, source, here)})`);
      parts.push(
        `EXISTS (SELECT 1 FROM ${qualified(rel.remote.name)} AS ${a} WHERE ${conditions.join(' AND ')})`,
      );
    }
  }
  return parts.length > 0 ? parts.join(' AND ') : 'true';
}

const DIRECTIONS: Record<string, string> = {
  asc: 'ASC NULLS LAST',
  asc_nulls_first: 'ASC NULLS FIRST',
  asc_nulls_last: 'ASC NULLS LAST',
  desc: 'DESC NULLS FIRST',
  desc_nulls_first: 'DESC NULLS FIRST',
  desc_nulls_last: 'DESC NULLS LAST',
};

interface OrderItem {
  expr: string;
  dir: string;
  column?: string;
}

function orderItems(ctx: CompileContext, table: Table, alias: string, spec: unknown): OrderItem[] {
  const items: OrderItem[] = [];
  const list = Array.isArray(spec) ? spec : spec === undefined || spec === null ? [] : [spec];
  for (const entry of list) {
    for (const [key, value] of Object.entries(entry as Record<string, unknown>)) {
      if (value === undefined || value === null) continue;
      const column = table.columnByGqlName.get(key);
      if (column) {
        items.push({
          expr: `${alias}.${quoteIdent(column.name)}`,
          dir: DIRECTIONS[String(value)] ?? 'ASC',
          column: column.name,
        });
        continue;
      }
      const rel = table.relationshipByName.get(key);
      if (rel?.type !== 'object') continue;
      const a = ctx.nextAlias();
      for (const inner of orderItems(ctx, rel.remote, a, value)) {
        items.push({
          expr: `(SELECT ${inner.expr} FROM ${qualified(rel.remote.name)} AS ${a} WHERE ${joinSql(rel, alias, a)} AND (${permissionFilter(ctx, rel.remote, a)}) LIMIT 1)`,
          dir: inner.dir,
        });
      }
    }
  }
  return items;
}

export interface ListArgs {
  where?: Record<string, unknown> | null;
  order_by?: unknown;
  limit?: number | null;
  offset?: number | null;
  distinct_on?: string[] | null;
}

interface BaseRows {
  /** `SELECT a.*, <order keys> FROM … WHERE … ORDER BY … LIMIT … OFFSET …` */
  sql: string;
  orderBy: string;
}

/** The rows a list reads, with the role's filter, the client's arguments and an optional join. */
function baseRows(
  ctx: CompileContext,
  table: Table,
  args: ListArgs,
  join: ((alias: string) => string) | undefined,
  path: Path,
): BaseRows {
  const a = ctx.nextAlias();
  const conditions = [`(${permissionFilter(ctx, table, a)})`];
  if (join) conditions.push(join(a));
  if (args.where)
    conditions.push(`(${boolExpSql(ctx, table, a, args.where, 'client', [...path, 'args', 'where'])})`);
  let order = orderItems(ctx, table, a, args.order_by);
  let distinct = '';
  if (args.distinct_on && args.distinct_on.length > 0) {
    const cols = args.distinct_on;
    const leading = order.slice(0, cols.length).map((o) => o.column);
    if (order.length === 0) {
      order = cols.map((c) => ({ expr: `${a}.${quoteIdent(c)}`, dir: 'ASC NULLS LAST', column: c }));
    } else if (leading.length < cols.length || !cols.every((c) => leading.includes(c))) {
      throw new HasuraError(
        'validation-failed',
        '"distinct_on" columns must match initial "order_by" columns',
        {
          path: jsonPath([...path, 'args']),
        },
      );
    }
    distinct = `DISTINCT ON (${cols.map((c) => `${a}.${quoteIdent(c)}`).join(', ')}) `;
  }
  const access = ctx.view.select(table);
  const limits = [args.limit, access?.limit].filter((n): n is number => typeof n === 'number');
  for (const [name, n] of [
    ['limit', args.limit],
    ['offset', args.offset],
  ] as const) {
    if (typeof n === 'number' && n < 0) {
      throw new HasuraError('validation-failed', `expecting a non-negative value for "${name}"`, {
        path: jsonPath([...path, 'args', name]),
      });
    }
  }
  const limit = limits.length > 0 ? ` LIMIT ${Math.min(...limits)}` : '';
  const offset = typeof args.offset === 'number' ? ` OFFSET ${args.offset}` : '';
  const keys = order.map((o, i) => `, ${o.expr} AS "__order_${i}"`).join('');
  const orderSql = order.length > 0 ? ` ORDER BY ${order.map((o) => `${o.expr} ${o.dir}`).join(', ')}` : '';
  return {
    sql: `SELECT ${distinct}${a}.*${keys} FROM ${qualified(table.name)} AS ${a} WHERE ${conditions.join(' AND ')}${orderSql}${limit}${offset}`,
    orderBy: order.map((o, i) => `"__order_${i}" ${o.dir}`).join(', '),
  };
}

function objectTypeOf(ctx: CompileContext, name: string): GraphQLObjectType {
  return ctx.schema.getType(name) as GraphQLObjectType;
}

function fieldDef(type: GraphQLObjectType, node: FieldNode) {
  const def = type.getFields()[node.name.value];
  if (!def)
    throw new HasuraError(
      'validation-failed',
      `field '${node.name.value}' not found in type: '${type.name}'`,
    );
  return def;
}

/** One row of `table` (read as `alias`) as a JSON object with the selected keys. */
export function rowJson(
  ctx: CompileContext,
  table: Table,
  alias: string,
  fields: FieldGroups,
  path: Path,
): string {
  const type = objectTypeOf(ctx, table.gqlName);
  const columns: string[] = [];
  for (const [key, nodes] of fields) {
    const node = nodes[0] as FieldNode;
    const name = node.name.value;
    const here = [...path, key];
    let expr: string;
    if (name === '__typename') {
      expr = sqlString(type.name);
    } else {
      const column = table.columnByGqlName.get(name);
      const def = fieldDef(type, node);
      if (column && !table.relationshipByName.has(name)) {
        expr = `${alias}.${quoteIdent(column.name)}`;
      } else {
        const aggregate = name.endsWith('_aggregate')
          ? table.relationshipByName.get(name.slice(0, -'_aggregate'.length))
          : undefined;
        const rel = table.relationshipByName.get(name) ?? aggregate;
        if (!rel)
          throw new HasuraError('validation-failed', `field '${name}' not found in type: '${type.name}'`);
        const join = (a: string) => joinSql(rel, alias, a);
        const sub = subFields(ctx, getNamedType(def.type) as GraphQLObjectType, nodes);
        if (aggregate && !table.relationshipByName.has(name)) {
          const args = argumentsOf(ctx, def, node, jsonPath([...here, 'args'])) as ListArgs;
          expr = aggregateJson(ctx, rel.remote, args, join, sub, here);
        } else if (rel.type === 'object') {
          const a = ctx.nextAlias();
          expr = `(SELECT ${rowJson(ctx, rel.remote, a, sub, here)} FROM ${qualified(rel.remote.name)} AS ${a} WHERE ${join(a)} AND (${permissionFilter(ctx, rel.remote, a)}) LIMIT 1)`;
        } else {
          const args = argumentsOf(ctx, def, node, jsonPath([...here, 'args'])) as ListArgs;
          expr = listJson(ctx, rel.remote, args, join, sub, here);
        }
      }
    }
    columns.push(`${expr} AS ${quoteIdent(key)}`);
  }
  const e = ctx.nextAlias();
  return `(SELECT row_to_json(${e}) FROM (SELECT ${columns.join(', ')}) AS ${e})`;
}

/** A JSON array of rows. */
export function listJson(
  ctx: CompileContext,
  table: Table,
  args: ListArgs,
  join: ((alias: string) => string) | undefined,
  fields: FieldGroups,
  path: Path,
): string {
  const base = baseRows(ctx, table, args, join, path);
  const b = ctx.nextAlias();
  const order = base.orderBy ? ` ORDER BY ${base.orderBy.replaceAll('"__order_', `${b}."__order_`)}` : '';
  return `(SELECT coalesce(json_agg(${rowJson(ctx, table, b, fields, path)}${order}), '[]'::json) FROM (${base.sql}) AS ${b})`;
}

/** One row (or null) found by a condition, e.g. a primary key. */
export function singleRowJson(
  ctx: CompileContext,
  table: Table,
  condition: (alias: string) => string,
  fields: FieldGroups,
  path: Path,
): string {
  const a = ctx.nextAlias();
  return `(SELECT ${rowJson(ctx, table, a, fields, path)} FROM ${qualified(table.name)} AS ${a} WHERE ${condition(a)} AND (${permissionFilter(ctx, table, a)}) LIMIT 1)`;
}

/** `<t>_aggregate { aggregate { count max {…} … } nodes {…} }` */
export function aggregateJson(
  ctx: CompileContext,
  table: Table,
  args: ListArgs,
  join: ((alias: string) => string) | undefined,
  fields: FieldGroups,
  path: Path,
): string {
  const aggregateType = objectTypeOf(ctx, `${table.gqlName}_aggregate`);
  const parts: string[] = [];
  for (const [key, nodes] of fields) {
    const node = nodes[0] as FieldNode;
    const name = node.name.value;
    const here = [...path, key];
    if (name === '__typename') {
      parts.push(`${sqlString(aggregateType.name)} AS ${quoteIdent(key)}`);
    } else if (name === 'nodes') {
      parts.push(
        `${listJson(ctx, table, args, join, subFields(ctx, objectTypeOf(ctx, table.gqlName), nodes), here)} AS ${quoteIdent(key)}`,
      );
    } else if (name === 'aggregate') {
      const fieldsType = objectTypeOf(ctx, `${table.gqlName}_aggregate_fields`);
      const base = baseRows(ctx, table, args, join, here);
      const b = ctx.nextAlias();
      const exprs: string[] = [];
      for (const [aggKey, aggNodes] of subFields(ctx, fieldsType, nodes)) {
        const aggNode = aggNodes[0] as FieldNode;
        const fn = aggNode.name.value;
        if (fn === '__typename') {
          exprs.push(`${sqlString(fieldsType.name)} AS ${quoteIdent(aggKey)}`);
        } else if (fn === 'count') {
          const countArgs = argumentsOf(
            ctx,
            fieldDef(fieldsType, aggNode),
            aggNode,
            jsonPath([...here, aggKey, 'args']),
          ) as {
            columns?: string[] | null;
            distinct?: boolean | null;
          };
          const cols = countArgs.columns ?? [];
          const target =
            cols.length === 0
              ? '*'
              : `${countArgs.distinct ? 'DISTINCT ' : ''}${cols.length === 1 ? `${b}.${quoteIdent(cols[0] as string)}` : `(${cols.map((c) => `${b}.${quoteIdent(c)}`).join(', ')})`}`;
          exprs.push(`count(${target})::int AS ${quoteIdent(aggKey)}`);
        } else {
          const colsType = objectTypeOf(ctx, `${table.gqlName}_${fn}_fields`);
          const pairs: string[] = [];
          for (const [colKey, colNodes] of subFields(ctx, colsType, aggNodes)) {
            const colName = (colNodes[0] as FieldNode).name.value;
            if (colName === '__typename') {
              pairs.push(`${sqlString(colKey)}, ${sqlString(colsType.name)}`);
              continue;
            }
            const column = table.columnByGqlName.get(colName) as Column;
            const colExpr = `${b}.${quoteIdent(column.name)}`;
            pairs.push(
              `${sqlString(colKey)}, ${fn === 'avg' ? `avg(${colExpr})::float8` : `${fn}(${colExpr})`}`,
            );
          }
          exprs.push(`json_build_object(${pairs.join(', ')}) AS ${quoteIdent(aggKey)}`);
        }
      }
      const x = ctx.nextAlias();
      parts.push(
        `(SELECT row_to_json(${x}) FROM (SELECT ${exprs.join(', ')} FROM (${base.sql}) AS ${b}) AS ${x}) AS ${quoteIdent(key)}`,
      );
    }
  }
  const e = ctx.nextAlias();
  return `(SELECT row_to_json(${e}) FROM (SELECT ${parts.join(', ')}) AS ${e})`;
}
