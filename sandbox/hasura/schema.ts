// Builds, for one role, the GraphQL schema Hasura v2 generates: per tracked table the object type,
// `<t>_bool_exp`, `<t>_order_by`, `<t>_select_column`, `<t>_insert_input`, `<t>_on_conflict`,
// `<t>_constraint`, `<t>_update_column`, `<t>_set_input`, `<t>_inc_input`, `<t>_pk_columns_input`,
// `<t>_mutation_response` and aggregate types; the root fields the role's permissions allow; and
// the actions' root fields and custom types from `actions.graphql`. A role only sees what it may
// use, which is how Hasura answers `field 'x' not found in type: 'query_root'` for the rest.

import {
  type DocumentNode,
  type FieldDefinitionNode,
  GraphQLBoolean,
  GraphQLEnumType,
  type GraphQLEnumValueConfigMap,
  type GraphQLFieldConfigArgumentMap,
  type GraphQLFieldConfigMap,
  GraphQLFloat,
  GraphQLID,
  type GraphQLInputFieldConfigMap,
  GraphQLInputObjectType,
  type GraphQLInputType,
  GraphQLInt,
  GraphQLList,
  type GraphQLNamedType,
  GraphQLNonNull,
  GraphQLObjectType,
  type GraphQLOutputType,
  GraphQLScalarType,
  GraphQLSchema,
  GraphQLString,
  Kind,
  type TypeNode,
  valueFromASTUntyped,
} from 'graphql';
import type { ActionMetadata } from './metadata';
import type { Column, Model, Relationship, Table } from './model';
import type { RoleView, SelectAccess } from './permissions';

export type RootFieldInfo =
  | { kind: 'select' | 'select_by_pk' | 'select_aggregate'; table: Table }
  | { kind: 'insert' | 'insert_one' | 'update' | 'update_by_pk' | 'delete' | 'delete_by_pk'; table: Table }
  | { kind: 'action'; action: ActionMetadata }
  /** The query/subscription field that reads an asynchronous action's result by id. */
  | { kind: 'async_action'; action: ActionMetadata }
  | { kind: 'no_queries' };

export type TypeInfo =
  | { kind: 'table'; table: Table }
  | { kind: 'aggregate'; table: Table }
  | { kind: 'aggregate_fields'; table: Table }
  | { kind: 'aggregate_columns'; table: Table; fn: 'max' | 'min' | 'sum' | 'avg' }
  | { kind: 'mutation_response'; table: Table };

export interface RoleSchema {
  schema: GraphQLSchema;
  view: RoleView;
  types: Map<string, TypeInfo>;
  queryFields: Map<string, RootFieldInfo>;
  mutationFields: Map<string, RootFieldInfo>;
  asyncOutputTypes: Map<string, GraphQLOutputType>;
}

const BUILT_IN: Record<string, GraphQLScalarType> = {
  Int: GraphQLInt,
  Float: GraphQLFloat,
  String: GraphQLString,
  Boolean: GraphQLBoolean,
  ID: GraphQLID,
};

const TEXT_SCALARS = new Set(['String', 'bpchar', 'citext', 'name']);
const NUMERIC_SCALARS = new Set(['Int', 'Float', 'smallint', 'bigint', 'numeric', 'float8', 'money']);
const ORDERABLE_EXTRA = new Set([
  'String',
  'bpchar',
  'citext',
  'timestamptz',
  'timestamp',
  'date',
  'time',
  'timetz',
  'interval',
]);

export const isNumericScalar = (scalar: string) => NUMERIC_SCALARS.has(scalar);

const ORDER_BY_VALUES: GraphQLEnumValueConfigMap = {
  asc: { value: 'asc', description: 'in ascending order, nulls last' },
  asc_nulls_first: { value: 'asc_nulls_first', description: 'in ascending order, nulls first' },
  asc_nulls_last: { value: 'asc_nulls_last', description: 'in ascending order, nulls last' },
  desc: { value: 'desc', description: 'in descending order, nulls first' },
  desc_nulls_first: { value: 'desc_nulls_first', description: 'in descending order, nulls first' },
  desc_nulls_last: { value: 'desc_nulls_last', description: 'in descending order, nulls last' },
};

/** Hasura's own scalars (bigint, uuid, timestamptz, jsonb, …) accept any JSON value and pass it on. */
function customScalar(name: string): GraphQLScalarType {
  return new GraphQLScalarType({
    name,
    serialize: (value) => value,
    parseValue: (value) => value,
    parseLiteral: (ast, variables) => valueFromASTUntyped(ast, variables ?? undefined),
  });
}

const nonNull = <T extends GraphQLInputType | GraphQLOutputType>(t: T) => new GraphQLNonNull(t);
const listOf = <T extends GraphQLInputType | GraphQLOutputType>(t: T) => new GraphQLList(t);

class SchemaBuilder {
  private readonly named = new Map<string, GraphQLNamedType>();
  readonly types = new Map<string, TypeInfo>();
  readonly queryFields = new Map<string, RootFieldInfo>();
  readonly mutationFields = new Map<string, RootFieldInfo>();

  constructor(
    private readonly model: Model,
    private readonly view: RoleView,
  ) {}

  private once<T extends GraphQLNamedType>(name: string, make: () => T): T {
    const existing = this.named.get(name);
    if (existing) return existing as T;
    const created = make();
    this.named.set(name, created);
    return created;
  }

  scalar(name: string): GraphQLScalarType {
    const builtIn = BUILT_IN[name];
    if (builtIn) return builtIn;
    return this.once(name, () => customScalar(name));
  }

  private columnType(column: Column): GraphQLScalarType {
    return this.scalar(column.scalar);
  }

  private orderByEnum(): GraphQLEnumType {
    return this.once(
      'order_by',
      () =>
        new GraphQLEnumType({
          name: 'order_by',
          description: 'column ordering options',
          values: ORDER_BY_VALUES,
        }),
    );
  }

  private comparisonExp(scalarName: string): GraphQLInputObjectType {
    const name = `${scalarName}_comparison_exp`;
    return this.once(name, () => {
      const t = this.scalar(scalarName);
      const fields: GraphQLInputFieldConfigMap = {
        _eq: { type: t },
        _gt: { type: t },
        _gte: { type: t },
        _in: { type: listOf(nonNull(t)) },
        _is_null: { type: GraphQLBoolean },
        _lt: { type: t },
        _lte: { type: t },
        _neq: { type: t },
        _nin: { type: listOf(nonNull(t)) },
      };
      if (TEXT_SCALARS.has(scalarName)) {
        Object.assign(fields, {
          _ilike: { type: t, description: 'does the column match the given case-insensitive pattern' },
          _iregex: {
            type: t,
            description: 'does the column match the given POSIX regular expression, case insensitive',
          },
          _like: { type: t, description: 'does the column match the given pattern' },
          _nilike: { type: t, description: 'does the column NOT match the given case-insensitive pattern' },
          _niregex: {
            type: t,
            description: 'does the column NOT match the given POSIX regular expression, case insensitive',
          },
          _nlike: { type: t, description: 'does the column NOT match the given pattern' },
          _nregex: {
            type: t,
            description: 'does the column NOT match the given POSIX regular expression, case sensitive',
          },
          _nsimilar: { type: t, description: 'does the column NOT match the given SQL regular expression' },
          _regex: {
            type: t,
            description: 'does the column match the given POSIX regular expression, case sensitive',
          },
          _similar: { type: t, description: 'does the column match the given SQL regular expression' },
        });
      }
      if (scalarName === 'jsonb') {
        Object.assign(fields, {
          _contained_in: { type: t, description: 'is the column contained in the given json value' },
          _contains: {
            type: t,
            description: 'does the column contain the given json value at the top level',
          },
          _has_key: {
            type: GraphQLString,
            description: 'does the string exist as a top-level key in the column',
          },
          _has_keys_all: {
            type: listOf(nonNull(GraphQLString)),
            description: 'do all of these strings exist as top-level keys in the column',
          },
          _has_keys_any: {
            type: listOf(nonNull(GraphQLString)),
            description: 'do any of these strings exist as top-level keys in the column',
          },
        });
      }
      return new GraphQLInputObjectType({
        name,
        description: `Boolean expression to compare columns of type "${scalarName}". All fields are combined with logical 'AND'.`,
        fields,
      });
    });
  }

  private selectable(table: Table): SelectAccess | undefined {
    const access = this.view.select(table);
    return access && access.columns.length > 0 ? access : undefined;
  }

  private visibleRelationships(table: Table): Relationship[] {
    return table.relationships.filter((r) => this.selectable(r.remote) !== undefined);
  }

  private boolExp(table: Table): GraphQLInputObjectType {
    const name = `${table.gqlName}_bool_exp`;
    return this.once(name, () => {
      const self: GraphQLInputObjectType = new GraphQLInputObjectType({
        name,
        description: `Boolean expression to filter rows from the table "${table.name.name}". All fields are combined with a logical 'AND'.`,
        fields: () => {
          const fields: GraphQLInputFieldConfigMap = {
            _and: { type: listOf(nonNull(self)) },
            _not: { type: self },
            _or: { type: listOf(nonNull(self)) },
          };
          for (const c of this.selectable(table)?.columns ?? [])
            fields[c.gqlName] = { type: this.comparisonExp(c.scalar) };
          for (const r of this.visibleRelationships(table)) fields[r.name] = { type: this.boolExp(r.remote) };
          return fields;
        },
      });
      return self;
    });
  }

  private orderBy(table: Table): GraphQLInputObjectType {
    const name = `${table.gqlName}_order_by`;
    return this.once(
      name,
      () =>
        new GraphQLInputObjectType({
          name,
          description: `Ordering options when selecting data from "${table.name.name}".`,
          fields: () => {
            const fields: GraphQLInputFieldConfigMap = {};
            for (const c of this.selectable(table)?.columns ?? [])
              fields[c.gqlName] = { type: this.orderByEnum() };
            for (const r of this.visibleRelationships(table)) {
              if (r.type === 'object') fields[r.name] = { type: this.orderBy(r.remote) };
            }
            return fields;
          },
        }),
    );
  }

  private selectColumnEnum(table: Table): GraphQLEnumType {
    const name = `${table.gqlName}_select_column`;
    return this.once(name, () => {
      const values: GraphQLEnumValueConfigMap = {};
      for (const c of this.selectable(table)?.columns ?? [])
        values[c.gqlName] = { value: c.name, description: 'column name' };
      return new GraphQLEnumType({
        name,
        description: `select columns of table "${table.name.name}"`,
        values,
      });
    });
  }

  /** distinct_on, limit, offset, order_by, where: the arguments of every list of rows. */
  private listArgs(table: Table): GraphQLFieldConfigArgumentMap {
    return {
      distinct_on: {
        type: listOf(nonNull(this.selectColumnEnum(table))),
        description: 'distinct select on columns',
      },
      limit: { type: GraphQLInt, description: 'limit the number of rows returned' },
      offset: { type: GraphQLInt, description: 'skip the first n rows. Use only with order_by' },
      order_by: {
        type: listOf(nonNull(this.orderBy(table))),
        description: 'sort the rows by one or more columns',
      },
      where: { type: this.boolExp(table), description: 'filter the rows returned' },
    };
  }

  objectType(table: Table): GraphQLObjectType {
    const name = table.gqlName;
    return this.once(name, () => {
      this.types.set(name, { kind: 'table', table });
      return new GraphQLObjectType({
        name,
        description: `columns and relationships of "${table.name.name}"`,
        fields: () => {
          const fields: GraphQLFieldConfigMap<unknown, unknown> = {};
          for (const c of this.selectable(table)?.columns ?? []) {
            fields[c.gqlName] = { type: c.nullable ? this.columnType(c) : nonNull(this.columnType(c)) };
          }
          for (const r of this.visibleRelationships(table)) {
            if (r.type === 'object') {
              const t = this.objectType(r.remote);
              fields[r.name] = { type: r.nonNull ? nonNull(t) : t, description: 'An object relationship' };
            } else {
              fields[r.name] = {
                type: nonNull(listOf(nonNull(this.objectType(r.remote)))),
                description: 'An array relationship',
                args: this.listArgs(r.remote),
              };
              if (this.selectable(r.remote)?.aggregations) {
                fields[`${r.name}_aggregate`] = {
                  type: nonNull(this.aggregateType(r.remote)),
                  description: 'An aggregate relationship',
                  args: this.listArgs(r.remote),
                };
              }
            }
          }
          return fields;
        },
      });
    });
  }

  private aggregateColumns(table: Table, fn: 'max' | 'min' | 'sum' | 'avg'): GraphQLObjectType | undefined {
    const columns = (this.selectable(table)?.columns ?? []).filter((c) =>
      fn === 'max' || fn === 'min'
        ? NUMERIC_SCALARS.has(c.scalar) || ORDERABLE_EXTRA.has(c.scalar)
        : NUMERIC_SCALARS.has(c.scalar),
    );
    if (columns.length === 0) return undefined;
    const name = `${table.gqlName}_${fn}_fields`;
    return this.once(name, () => {
      this.types.set(name, { kind: 'aggregate_columns', table, fn });
      const fields: GraphQLFieldConfigMap<unknown, unknown> = {};
      for (const c of columns) fields[c.gqlName] = { type: fn === 'avg' ? GraphQLFloat : this.columnType(c) };
      return new GraphQLObjectType({ name, description: `aggregate ${fn} on columns`, fields });
    });
  }

  private aggregateType(table: Table): GraphQLObjectType {
    const name = `${table.gqlName}_aggregate`;
    return this.once(name, () => {
      this.types.set(name, { kind: 'aggregate', table });
      const fieldsName = `${table.gqlName}_aggregate_fields`;
      const aggregateFields = this.once(fieldsName, () => {
        this.types.set(fieldsName, { kind: 'aggregate_fields', table });
        const fields: GraphQLFieldConfigMap<unknown, unknown> = {
          count: {
            type: nonNull(GraphQLInt),
            args: {
              columns: { type: listOf(nonNull(this.selectColumnEnum(table))) },
              distinct: { type: GraphQLBoolean },
            },
          },
        };
        for (const fn of ['avg', 'max', 'min', 'sum'] as const) {
          const t = this.aggregateColumns(table, fn);
          if (t) fields[fn] = { type: t };
        }
        return new GraphQLObjectType({
          name: fieldsName,
          description: `aggregate fields of "${table.name.name}"`,
          fields,
        });
      });
      return new GraphQLObjectType({
        name,
        description: `aggregated selection of "${table.name.name}"`,
        fields: () => ({
          aggregate: { type: aggregateFields },
          nodes: { type: nonNull(listOf(nonNull(this.objectType(table)))) },
        }),
      });
    });
  }

  private pkArgs(table: Table): GraphQLFieldConfigArgumentMap | undefined {
    const pk = table.primaryKey;
    if (!pk) return undefined;
    const args: GraphQLFieldConfigArgumentMap = {};
    for (const name of pk.columns) {
      const column = table.columnByName.get(name) as Column;
      args[column.gqlName] = { type: nonNull(this.columnType(column)) };
    }
    return args;
  }

  private pkColumnsInput(table: Table): GraphQLInputObjectType | undefined {
    const pk = table.primaryKey;
    if (!pk) return undefined;
    const name = `${table.gqlName}_pk_columns_input`;
    return this.once(name, () => {
      const fields: GraphQLInputFieldConfigMap = {};
      for (const c of pk.columns) {
        const column = table.columnByName.get(c) as Column;
        fields[column.gqlName] = { type: nonNull(this.columnType(column)) };
      }
      return new GraphQLInputObjectType({
        name,
        description: `primary key columns input for table: ${table.name.name}`,
        fields,
      });
    });
  }

  private pkSelectable(table: Table): boolean {
    const access = this.selectable(table);
    return (
      !!table.primaryKey &&
      !!access &&
      table.primaryKey.columns.every((c) => access.columns.some((col) => col.name === c))
    );
  }

  private mutationResponse(table: Table): GraphQLObjectType {
    const name = `${table.gqlName}_mutation_response`;
    return this.once(name, () => {
      this.types.set(name, { kind: 'mutation_response', table });
      const fields: GraphQLFieldConfigMap<unknown, unknown> = {
        affected_rows: { type: nonNull(GraphQLInt), description: 'number of rows affected by the mutation' },
      };
      if (this.selectable(table)) {
        fields.returning = {
          type: nonNull(listOf(nonNull(this.objectType(table)))),
          description: 'data from the rows affected by the mutation',
        };
      }
      return new GraphQLObjectType({
        name,
        description: `response of any mutation on the table "${table.name.name}"`,
        fields,
      });
    });
  }

  private constraintEnum(table: Table): GraphQLEnumType | undefined {
    if (table.constraints.length === 0) return undefined;
    const name = `${table.gqlName}_constraint`;
    return this.once(name, () => {
      const values: GraphQLEnumValueConfigMap = {};
      for (const c of table.constraints) {
        values[c.name] = {
          value: c.name,
          description: `unique or primary key constraint on columns ${c.columns.map((col) => `"${col}"`).join(', ')}`,
        };
      }
      return new GraphQLEnumType({
        name,
        description: `unique or primary key constraints on table "${table.name.name}"`,
        values,
      });
    });
  }

  private updateColumnEnum(table: Table): GraphQLEnumType {
    const name = `${table.gqlName}_update_column`;
    return this.once(name, () => {
      const values: GraphQLEnumValueConfigMap = {};
      for (const c of this.view.update(table)?.columns ?? [])
        values[c.gqlName] = { value: c.name, description: 'column name' };
      if (Object.keys(values).length === 0) {
        values._PLACEHOLDER = { value: '_PLACEHOLDER', description: 'placeholder (do not use)' };
      }
      return new GraphQLEnumType({
        name,
        description: `update columns of table "${table.name.name}"`,
        values,
      });
    });
  }

  private onConflict(table: Table): GraphQLInputObjectType | undefined {
    const constraint = this.constraintEnum(table);
    if (!constraint || !this.view.update(table)) return undefined;
    const name = `${table.gqlName}_on_conflict`;
    return this.once(
      name,
      () =>
        new GraphQLInputObjectType({
          name,
          description: `on_conflict condition type for table "${table.name.name}"`,
          fields: () => ({
            constraint: { type: nonNull(constraint) },
            update_columns: {
              type: nonNull(listOf(nonNull(this.updateColumnEnum(table)))),
              defaultValue: [],
            },
            where: { type: this.boolExp(table) },
          }),
        }),
    );
  }

  private inputOf(name: string, description: string, columns: Column[]): GraphQLInputObjectType | undefined {
    if (columns.length === 0) return undefined;
    return this.once(name, () => {
      const fields: GraphQLInputFieldConfigMap = {};
      for (const c of columns) fields[c.gqlName] = { type: this.columnType(c) };
      return new GraphQLInputObjectType({ name, description, fields });
    });
  }

  private addTableRootFields(
    table: Table,
    query: GraphQLFieldConfigMap<unknown, unknown>,
    mutation: GraphQLFieldConfigMap<unknown, unknown>,
  ): void {
    const names = table.rootFields;
    const select = this.selectable(table);
    const rows = () => nonNull(listOf(nonNull(this.objectType(table))));
    if (select?.rootFields.select) {
      query[names.select] = {
        type: rows(),
        description: `fetch data from the table: "${table.name.name}"`,
        args: this.listArgs(table),
      };
      this.queryFields.set(names.select, { kind: 'select', table });
    }
    if (select?.rootFields.select_aggregate && select.aggregations) {
      query[names.select_aggregate] = {
        type: nonNull(this.aggregateType(table)),
        description: `fetch aggregated fields from the table: "${table.name.name}"`,
        args: this.listArgs(table),
      };
      this.queryFields.set(names.select_aggregate, { kind: 'select_aggregate', table });
    }
    const pkArgs = this.pkArgs(table);
    if (select?.rootFields.select_by_pk && pkArgs && this.pkSelectable(table)) {
      query[names.select_by_pk] = {
        type: this.objectType(table),
        description: `fetch data from the table: "${table.name.name}" using primary key columns`,
        args: pkArgs,
      };
      this.queryFields.set(names.select_by_pk, { kind: 'select_by_pk', table });
    }

    const del = this.view.delete(table);
    if (del) {
      mutation[names.delete] = {
        type: this.mutationResponse(table),
        description: `delete data from the table: "${table.name.name}"`,
        args: {
          where: {
            type: nonNull(this.boolExp(table)),
            description: 'filter the rows which have to be deleted',
          },
        },
      };
      this.mutationFields.set(names.delete, { kind: 'delete', table });
      if (pkArgs && this.pkSelectable(table)) {
        mutation[names.delete_by_pk] = {
          type: this.objectType(table),
          description: `delete single row from the table: "${table.name.name}"`,
          args: pkArgs,
        };
        this.mutationFields.set(names.delete_by_pk, { kind: 'delete_by_pk', table });
      }
    }

    const insert = this.view.insert(table);
    const insertInput = insert
      ? this.inputOf(
          `${table.gqlName}_insert_input`,
          `input type for inserting data into table "${table.name.name}"`,
          insert.columns,
        )
      : undefined;
    if (insert && insertInput) {
      const onConflict = this.onConflict(table);
      const conflictArg: GraphQLFieldConfigArgumentMap = onConflict
        ? { on_conflict: { type: onConflict, description: 'upsert condition' } }
        : {};
      mutation[names.insert] = {
        type: this.mutationResponse(table),
        description: `insert data into the table: "${table.name.name}"`,
        args: {
          objects: { type: nonNull(listOf(nonNull(insertInput))), description: 'the rows to be inserted' },
          ...conflictArg,
        },
      };
      this.mutationFields.set(names.insert, { kind: 'insert', table });
      if (select) {
        mutation[names.insert_one] = {
          type: this.objectType(table),
          description: `insert a single row into the table: "${table.name.name}"`,
          args: {
            object: { type: nonNull(insertInput), description: 'the row to be inserted' },
            ...conflictArg,
          },
        };
        this.mutationFields.set(names.insert_one, { kind: 'insert_one', table });
      }
    }

    const update = this.view.update(table);
    const setInput = update
      ? this.inputOf(
          `${table.gqlName}_set_input`,
          `input type for updating data in table "${table.name.name}"`,
          update.columns,
        )
      : undefined;
    if (update && setInput) {
      const incInput = this.inputOf(
        `${table.gqlName}_inc_input`,
        'input type for incrementing numeric columns in table',
        update.columns.filter((c) => NUMERIC_SCALARS.has(c.scalar)),
      );
      const ops: GraphQLFieldConfigArgumentMap = {
        ...(incInput
          ? {
              _inc: {
                type: incInput,
                description: 'increments the numeric columns with given value of the filtered values',
              },
            }
          : {}),
        _set: { type: setInput, description: 'sets the columns of the filtered rows to the given values' },
      };
      mutation[names.update] = {
        type: this.mutationResponse(table),
        description: `update data of the table: "${table.name.name}"`,
        args: {
          ...ops,
          where: {
            type: nonNull(this.boolExp(table)),
            description: 'filter the rows which have to be updated',
          },
        },
      };
      this.mutationFields.set(names.update, { kind: 'update', table });
      if (table.primaryKey && this.pkSelectable(table)) {
        const pkInput = this.pkColumnsInput(table);
        if (pkInput) {
          mutation[names.update_by_pk] = {
            type: this.objectType(table),
            description: `update single row of the table: "${table.name.name}"`,
            args: { ...ops, pk_columns: { type: nonNull(pkInput) } },
          };
          this.mutationFields.set(names.update_by_pk, { kind: 'update_by_pk', table });
        }
      }
    }
  }

  // ---- actions ---------------------------------------------------------------------------

  private actionTypeNodes = new Map<string, DocumentNode['definitions'][number]>();
  /** Asynchronous actions' declared output types (their mutation field answers only the id). */
  private asyncOutputTypes = new Map<string, GraphQLOutputType>();

  private actionNamedType(name: string, input: boolean): GraphQLNamedType {
    const builtIn = BUILT_IN[name];
    if (builtIn) return builtIn;
    const def = this.actionTypeNodes.get(name);
    if (!def) {
      // A type not declared in actions.graphql: one of Hasura's own scalars (uuid, timestamptz, …).
      return this.scalar(name);
    }
    switch (def.kind) {
      case Kind.SCALAR_TYPE_DEFINITION:
        return this.scalar(name);
      case Kind.ENUM_TYPE_DEFINITION:
        return this.once(name, () => {
          const values: GraphQLEnumValueConfigMap = {};
          for (const v of def.values ?? [])
            values[v.name.value] = { value: v.name.value, description: v.description?.value };
          return new GraphQLEnumType({ name, description: def.description?.value, values });
        });
      case Kind.INPUT_OBJECT_TYPE_DEFINITION:
        if (!input)
          throw new Error(`Hasura stand-in: actions.graphql: input type ${name} used as an output type`);
        return this.once(
          name,
          () =>
            new GraphQLInputObjectType({
              name,
              description: def.description?.value,
              fields: () => {
                const fields: GraphQLInputFieldConfigMap = {};
                for (const f of def.fields ?? []) {
                  fields[f.name.value] = {
                    type: this.actionType(f.type, true) as GraphQLInputType,
                    description: f.description?.value,
                  };
                }
                return fields;
              },
            }),
        );
      case Kind.OBJECT_TYPE_DEFINITION:
        if (input)
          throw new Error(`Hasura stand-in: actions.graphql: object type ${name} used as an input type`);
        return this.once(
          name,
          () =>
            new GraphQLObjectType({
              name,
              description: def.description?.value,
              fields: () => {
                const fields: GraphQLFieldConfigMap<unknown, unknown> = {};
                for (const f of def.fields ?? []) {
                  fields[f.name.value] = {
                    type: this.actionType(f.type, false) as GraphQLOutputType,
                    description: f.description?.value,
                  };
                }
                return fields;
              },
            }),
        );
      default:
        throw new Error(`Hasura stand-in: actions.graphql: unsupported definition for ${name}`);
    }
  }

  private actionType(node: TypeNode, input: boolean): GraphQLInputType | GraphQLOutputType {
    switch (node.kind) {
      case Kind.NON_NULL_TYPE:
        return nonNull(this.actionType(node.type, input) as never);
      case Kind.LIST_TYPE:
        return new GraphQLList(this.actionType(node.type, input)) as GraphQLInputType | GraphQLOutputType;
      default:
        return this.actionNamedType(node.name.value, input) as GraphQLInputType | GraphQLOutputType;
    }
  }

  private addActions(
    query: GraphQLFieldConfigMap<unknown, unknown>,
    mutation: GraphQLFieldConfigMap<unknown, unknown>,
  ): void {
    const doc = this.model.metadata.actionTypes;
    if (!doc) return;
    const rootFields = new Map<string, { field: FieldDefinitionNode; root: string }>();
    for (const def of doc.definitions) {
      if (def.kind === Kind.OBJECT_TYPE_DEFINITION || def.kind === Kind.OBJECT_TYPE_EXTENSION) {
        const typeName = def.name.value;
        if (typeName === 'Query' || typeName === 'Mutation' || typeName === 'Subscription') {
          for (const field of def.fields ?? []) rootFields.set(field.name.value, { field, root: typeName });
          continue;
        }
      }
      if ('name' in def && def.name && def.kind !== Kind.OBJECT_TYPE_EXTENSION)
        this.actionTypeNodes.set(def.name.value, def);
    }
    for (const action of this.model.actions) {
      const entry = rootFields.get(action.name);
      if (!entry) throw new Error(`Hasura stand-in: action ${action.name} is not defined in actions.graphql`);
      if (!this.view.canCallAction(action.name)) continue;
      const args: GraphQLFieldConfigArgumentMap = {};
      for (const arg of entry.field.arguments ?? []) {
        args[arg.name.value] = {
          type: this.actionType(arg.type, true) as GraphQLInputType,
          description: arg.description?.value,
        };
      }
      const outputType = this.actionType(entry.field.type, false) as GraphQLOutputType;
      const config = { type: outputType, args, description: entry.field.description?.value };
      if (action.kind === 'asynchronous') {
        // `actionAsyncMutation`: the arguments, no selection set, the action id (`uuid!`) back;
        // `actionAsyncQuery`: `name(id: uuid!) { id created_at errors output }` over the action log.
        mutation[action.name] = { ...config, type: nonNull(this.scalar('uuid')) };
        this.mutationFields.set(action.name, { kind: 'action', action });
        this.asyncOutputTypes.set(action.name, outputType);
        query[action.name] = {
          type: this.once(
            action.name,
            () =>
              new GraphQLObjectType({
                name: action.name,
                description: `fields of action: "${action.name}"`,
                fields: {
                  id: { type: nonNull(this.scalar('uuid')), description: 'the unique id of an action' },
                  created_at: {
                    type: nonNull(this.scalar('timestamptz')),
                    description: 'the time at which this action was created',
                  },
                  errors: { type: this.scalar('json'), description: 'errors related to the invocation' },
                  output: { type: outputType, description: 'the output fields of this action' },
                },
              }),
          ),
          args: { id: { type: nonNull(this.scalar('uuid')), description: 'the unique id of an action' } },
          description: entry.field.description?.value,
        };
        this.queryFields.set(action.name, { kind: 'async_action', action });
        continue;
      }
      if (action.type === 'query') {
        query[action.name] = config;
        this.queryFields.set(action.name, { kind: 'action', action });
      } else {
        mutation[action.name] = config;
        this.mutationFields.set(action.name, { kind: 'action', action });
      }
    }
  }

  build(): RoleSchema {
    const query: GraphQLFieldConfigMap<unknown, unknown> = {};
    const mutation: GraphQLFieldConfigMap<unknown, unknown> = {};
    for (const table of this.model.tables) this.addTableRootFields(table, query, mutation);
    this.addActions(query, mutation);
    if (Object.keys(query).length === 0) {
      query.no_queries_available = {
        type: nonNull(GraphQLString),
        description:
          "There are no queries available to the current role. Either there are no sources or remote schemas configured, or the current role doesn't have the required permissions.",
      };
      this.queryFields.set('no_queries_available', { kind: 'no_queries' });
    }
    // Subscriptions are live queries over the same table root fields (Hasura's subscription_root).
    const subscription: GraphQLFieldConfigMap<unknown, unknown> = {};
    for (const [name, info] of this.queryFields)
      if (
        info.kind === 'select' ||
        info.kind === 'select_aggregate' ||
        info.kind === 'select_by_pk' ||
        info.kind === 'async_action'
      )
        subscription[name] = query[name] as GraphQLFieldConfigMap<unknown, unknown>[string];
    const schema = new GraphQLSchema({
      query: new GraphQLObjectType({ name: 'query_root', description: 'query root', fields: query }),
      ...(Object.keys(subscription).length > 0
        ? {
            subscription: new GraphQLObjectType({
              name: 'subscription_root',
              description: 'subscription root',
              fields: subscription,
            }),
          }
        : {}),
      ...(Object.keys(mutation).length > 0
        ? {
            mutation: new GraphQLObjectType({
              name: 'mutation_root',
              description: 'mutation root',
              fields: mutation,
            }),
          }
        : {}),
    });
    return {
      schema,
      view: this.view,
      types: this.types,
      queryFields: this.queryFields,
      mutationFields: this.mutationFields,
      asyncOutputTypes: this.asyncOutputTypes,
    };
  }
}

export function buildRoleSchema(model: Model, view: RoleView): RoleSchema {
  return new SchemaBuilder(model, view).build();
}
