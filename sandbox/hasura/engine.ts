// The engine: authenticates a request, picks the role's schema, validates the document the way
// Hasura reports errors, then runs each root field — tables through SQL, actions through their
// webhook, introspection through graphql-js. All database root fields of a mutation run in one
// transaction, in order (Hasura coalesces them when no action or remote field is mixed in).

import type { PGlite, Transaction } from '@electric-sql/pglite';
import {
  type DocumentNode,
  execute as executeGraphQL,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
  getNamedType,
  getNullableType,
  getVariableValues,
  isInputObjectType,
  isListType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  parse,
  type SelectionSetNode,
  type ValueNode,
  validate,
} from 'graphql';
import { AsyncActionLog, resolveHandlers, runAction } from './actions';
import { type AuthConfig, authConfigFromEnv, type Env, resolveSession, type Session } from './auth';
import { applyMigrations } from './database';
import {
  fromPostgresError,
  HasuraError,
  isPostgresError,
  type JsonObject,
  type JsonValue,
  jsonPath,
  validationFailed,
} from './errors';
import { loadProject, type ProjectMetadata } from './metadata';
import { buildModel, type Model } from './model';
import { runMutationField } from './mutations';
import { roleView } from './permissions';
import { buildRoleSchema, type RoleSchema } from './schema';
import { argumentsOf, collectFields, type FieldGroups, subFields } from './selection';
import {
  aggregateJson,
  type CompileContext,
  type ListArgs,
  listJson,
  Params,
  pkCondition,
  singleRowJson,
} from './sql';

export interface GraphQLRequest {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
  /** Request headers; names are matched case-insensitively. */
  headers?: Record<string, string | string[] | undefined>;
  /** Subscriptions are served over WebSocket only (sandbox/hasura/subscriptions.ts). */
  transport?: 'http' | 'websocket';
}

/** What every root field of one request shares. */
interface Call {
  ctx: CompileContext;
  root: GraphQLObjectType;
  request: GraphQLRequest;
  headers: Record<string, string>;
}

export interface GraphQLResponse {
  status: number;
  body: JsonObject;
}

export interface HasuraEngine {
  /** Runs one GraphQL request as Hasura's `/v1/graphql` would. */
  execute(request: GraphQLRequest): Promise<GraphQLResponse>;
  /** The schema a role sees (`admin` sees everything). */
  schemaFor(role: string): GraphQLSchema;
  /** Re-reads the metadata directory and the database catalog (after DDL in a test, say). */
  reload(): Promise<void>;
  /** Waits for the asynchronous actions' handlers still running in the background. */
  settle(): Promise<void>;
  readonly model: Model;
}

export interface CreateEngineOptions {
  /** The Hasura CLI project directory (`hasura-metadata`). */
  projectDir: string;
  db: PGlite;
  /** HASURA_GRAPHQL_ADMIN_SECRET, HASURA_GRAPHQL_JWT_SECRET, HASURA_GRAPHQL_UNAUTHORIZED_ROLE, and the variables handlers and headers refer to. */
  env: Env;
  /** Apply pending migrations first (default true). */
  applyMigrations?: boolean;
}

function normaliseHeaders(headers: GraphQLRequest['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** Unknown fields inside input objects (`where: {password_hash: …}`), reported like Hasura does. */
function checkInputFields(type: GraphQLInputType, value: ValueNode, path: Array<string | number>): void {
  const named = getNullableType(type);
  if (isListType(named)) {
    if (value.kind === Kind.LIST) {
      value.values.forEach((item, i) => {
        checkInputFields(named.ofType, item, [...path, i]);
      });
    } else {
      checkInputFields(named.ofType, value, path);
    }
    return;
  }
  if (!isInputObjectType(named) || value.kind !== Kind.OBJECT) return;
  const fields = named.getFields();
  for (const field of value.fields) {
    const def = fields[field.name.value];
    if (!def)
      throw validationFailed(
        `field '${field.name.value}' not found in type: '${named.name}'`,
        jsonPath([...path, field.name.value]),
      );
    checkInputFields(def.type, field.value, [...path, field.name.value]);
  }
}

/** Hasura validates as it parses: an unknown field is reported with its path before anything else. */
function checkFieldsExist(
  schema: GraphQLSchema,
  root: GraphQLObjectType,
  selectionSet: SelectionSetNode,
  fragments: Record<string, FragmentDefinitionNode>,
): void {
  const walk = (type: GraphQLObjectType, set: SelectionSetNode, path: string[], seen: Set<string>) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name === '__typename' || (type === root && (name === '__schema' || name === '__type'))) continue;
        const key = selection.alias?.value ?? name;
        const field = type.getFields()[name];
        if (!field)
          throw validationFailed(
            `field '${name}' not found in type: '${type.name}'`,
            jsonPath([...path, key]),
          );
        for (const arg of selection.arguments ?? []) {
          const def = field.args.find((a) => a.name === arg.name.value);
          if (def) checkInputFields(def.type, arg.value, [...path, key, 'args', arg.name.value]);
        }
        const named = getNamedType(field.type);
        if (selection.selectionSet && isObjectType(named))
          walk(named, selection.selectionSet, [...path, key, 'selectionSet'], seen);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const target = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type;
        if (target && isObjectType(target)) walk(target, selection.selectionSet, path, seen);
      } else {
        const fragment = fragments[selection.name.value];
        if (!fragment || seen.has(fragment.name.value)) continue;
        const target = schema.getType(fragment.typeCondition.name.value);
        if (target && isObjectType(target))
          walk(target, fragment.selectionSet, path, new Set([...seen, fragment.name.value]));
      }
    }
  };
  walk(root, selectionSet, ['selectionSet'], new Set());
}

function pickOperation(doc: DocumentNode, operationName: string | null | undefined): OperationDefinitionNode {
  const operations = doc.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  if (operationName) {
    const op = operations.find((o) => o.name?.value === operationName);
    if (!op) throw validationFailed(`unable to find operation: ${operationName}`);
    return op;
  }
  if (operations.length !== 1) {
    throw validationFailed(
      'exactly one operation has to be present in the document when operationName is not specified',
    );
  }
  return operations[0] as OperationDefinitionNode;
}

function graphqlJsMessage(message: string): string {
  const missingVariable = /^Variable "\$(\w+)" of required type "[^"]+" was not provided\.$/.exec(message);
  if (missingVariable) return `expecting a value for non-nullable variable: "${missingVariable[1]}"`;
  const unknownField = /Field "([^"]+)" is not defined by type "([^"]+)"/.exec(message);
  if (unknownField) return `field '${unknownField[1]}' not found in type: '${unknownField[2]}'`;
  return message;
}

class Engine implements HasuraEngine {
  private schemas = new Map<string, RoleSchema>();
  private auth: AuthConfig;
  model!: Model;
  private metadata!: ProjectMetadata;
  /** Hasura's `hdb_action_log`: asynchronous action calls and their outcomes. */
  readonly asyncActions = new AsyncActionLog();

  constructor(private readonly options: CreateEngineOptions) {
    this.auth = authConfigFromEnv(options.env);
  }

  async load(): Promise<void> {
    this.metadata = loadProject(this.options.projectDir);
    resolveHandlers(this.metadata.actions, this.options.env);
    if (this.options.applyMigrations !== false)
      await applyMigrations(this.options.db, this.metadata.migrations);
    this.model = await buildModel(this.options.db, this.metadata);
    this.schemas = new Map();
  }

  reload(): Promise<void> {
    return this.load();
  }

  settle(): Promise<void> {
    return this.asyncActions.settle();
  }

  private roleSchema(role: string, backendOnly: boolean): RoleSchema {
    const cacheKey = `${backendOnly ? 'backend:' : ''}${role}`;
    let schema = this.schemas.get(cacheKey);
    if (!schema) {
      schema = buildRoleSchema(this.model, roleView(this.model, role, backendOnly));
      this.schemas.set(cacheKey, schema);
    }
    return schema;
  }

  schemaFor(role: string): GraphQLSchema {
    return this.roleSchema(role, false).schema;
  }

  async execute(request: GraphQLRequest): Promise<GraphQLResponse> {
    let includeInternal = false;
    try {
      const headers = normaliseHeaders(request.headers);
      const session = await resolveSession(this.auth, headers);
      includeInternal = session.role === 'admin';
      const data = await this.run(request, session, headers);
      return { status: 200, body: { data } };
    } catch (error) {
      const hasuraError =
        error instanceof HasuraError ? error : isPostgresError(error) ? fromPostgresError(error) : undefined;
      if (hasuraError)
        return {
          status: 200,
          body: { errors: [hasuraError.toGraphQL(includeInternal) as unknown as JsonObject] },
        };
      const internal = new HasuraError('unexpected', 'unexpected error in the local Hasura stand-in', {
        internal: { error: error instanceof Error ? (error.stack ?? error.message) : String(error) },
      });
      return {
        status: 200,
        body: { errors: [internal.toGraphQL(includeInternal) as unknown as JsonObject] },
      };
    }
  }

  private async run(
    request: GraphQLRequest,
    session: Session,
    headers: Record<string, string>,
  ): Promise<JsonObject> {
    const roleSchema = this.roleSchema(session.role, session.backendOnly);
    const { schema } = roleSchema;
    if (typeof request.query !== 'string') throw validationFailed("the key 'query' was not present");
    let doc: DocumentNode;
    try {
      doc = parse(request.query);
    } catch {
      throw validationFailed('not a valid graphql query', '$.query');
    }
    const op = pickOperation(doc, request.operationName);
    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;

    if (op.operation === 'subscription' && request.transport !== 'websocket') {
      throw validationFailed('subscriptions are not supported over HTTP, use websockets instead');
    }
    const root =
      op.operation === 'mutation'
        ? schema.getMutationType()
        : op.operation === 'subscription'
          ? schema.getSubscriptionType()
          : schema.getQueryType();
    if (!root)
      throw validationFailed(op.operation === 'mutation' ? 'no mutations exist' : 'no subscriptions exist');
    checkFieldsExist(schema, root, op.selectionSet, fragments);
    const errors = validate(schema, doc);
    if (errors.length > 0) throw validationFailed(graphqlJsMessage((errors[0] as Error).message));
    const coerced = getVariableValues(schema, op.variableDefinitions ?? [], request.variables ?? {});
    if (coerced.errors) {
      throw validationFailed(graphqlJsMessage((coerced.errors[0] as Error).message), '$.variableValues');
    }

    let aliases = 0;
    const ctx: CompileContext = {
      model: this.model,
      roleSchema,
      schema,
      view: roleSchema.view,
      session,
      params: new Params(),
      variables: coerced.coerced,
      fragments,
      nextAlias: () => `_${aliases++}`,
    };
    const fields = collectFields(ctx, root, op.selectionSet);
    const call: Call = { ctx, root, request, headers };
    if (op.operation === 'subscription') {
      // A live query: the same root fields and permissions as a query, re-run by the caller.
      const data: JsonObject = {};
      for (const [key, nodes] of fields) data[key] = await this.queryField(call, key, nodes, {});
      return data;
    }
    if (op.operation === 'query') {
      const introspected = this.introspect(session, doc, op, fields, coerced.coerced);
      const data: JsonObject = {};
      for (const [key, nodes] of fields) data[key] = await this.queryField(call, key, nodes, introspected);
      return data;
    }
    return this.runMutation(call, fields);
  }

  /** Database root fields share one transaction unless an action is mixed in (then one each). */
  private async runMutation(call: Call, fields: FieldGroups): Promise<JsonObject> {
    const { ctx } = call;
    const data: JsonObject = {};
    const steps = [...fields].map(([key, nodes]) => {
      const name = (nodes[0] as FieldNode).name.value;
      return { key, nodes, name, info: ctx.roleSchema.mutationFields.get(name) };
    });
    const inTransaction = async <T>(work: (tx: Transaction) => Promise<T>): Promise<T> =>
      this.options.db.transaction(async (tx) => {
        // Like Hasura, expose the session to triggers as `current_setting('hasura.user')`.
        await tx.query("SELECT set_config('hasura.user', $1, true)", [JSON.stringify(ctx.session.variables)]);
        return work(tx);
      });
    const dbStep = (tx: Transaction, step: (typeof steps)[number]) => {
      const info = step.info;
      if (!info || !('table' in info))
        throw new HasuraError('unexpected', `not a database mutation: ${step.name}`);
      return runMutationField(ctx, tx, info.kind, info.table, step.key, step.nodes);
    };

    if (steps.every((step) => step.name === '__typename' || (step.info && 'table' in step.info))) {
      await inTransaction(async (tx) => {
        for (const step of steps)
          data[step.key] = step.name === '__typename' ? 'mutation_root' : await dbStep(tx, step);
      });
      return data;
    }
    for (const step of steps) {
      if (step.name === '__typename') data[step.key] = 'mutation_root';
      else if (step.info && 'table' in step.info)
        data[step.key] = await inTransaction((tx) => dbStep(tx, step));
      else data[step.key] = await this.actionField(call, step.key, step.nodes);
    }
    return data;
  }

  /** `__schema` / `__type` root fields, answered by graphql-js over the role's schema. */
  private introspect(
    session: Session,
    doc: DocumentNode,
    op: OperationDefinitionNode,
    fields: FieldGroups,
    variables: Record<string, unknown>,
  ): JsonObject {
    const nodes = [...fields.values()]
      .flat()
      .filter((n) => n.name.value === '__schema' || n.name.value === '__type');
    if (nodes.length === 0) return {};
    if (this.metadata.introspectionDisabledFor.includes(session.role)) {
      throw validationFailed('introspection is disabled for the current role');
    }
    const document: DocumentNode = {
      kind: Kind.DOCUMENT,
      definitions: [
        { ...op, selectionSet: { kind: Kind.SELECTION_SET, selections: nodes } },
        ...doc.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION),
      ],
    };
    const result = executeGraphQL({
      schema: this.roleSchema(session.role, session.backendOnly).schema,
      document,
      variableValues: variables,
    });
    if (result instanceof Promise) throw new HasuraError('unexpected', 'asynchronous introspection');
    if (result.errors?.length) throw validationFailed((result.errors[0] as Error).message);
    return (result.data ?? {}) as JsonObject;
  }

  private actionField(call: Call, key: string, nodes: FieldNode[]): Promise<JsonValue> {
    const { ctx, root } = call;
    const node = nodes[0] as FieldNode;
    const infos = root.name === 'mutation_root' ? ctx.roleSchema.mutationFields : ctx.roleSchema.queryFields;
    const info = infos.get(node.name.value);
    if (info?.kind !== 'action') throw new HasuraError('unexpected', `not an action: ${node.name.value}`);
    const actionCall = {
      action: info.action,
      field: root.getFields()[node.name.value] as GraphQLField<unknown, unknown>,
      nodes,
      key,
      selection: ctx,
      session: ctx.session,
      requestHeaders: call.headers,
      queryText: call.request.query,
      env: this.options.env,
    };
    const asyncOutput = ctx.roleSchema.asyncOutputTypes.get(info.action.name);
    if (info.action.kind === 'asynchronous' && asyncOutput)
      return Promise.resolve(this.asyncActions.start(actionCall, asyncOutput));
    return runAction(actionCall);
  }

  private async queryField(
    call: Call,
    key: string,
    nodes: FieldNode[],
    introspected: JsonObject,
  ): Promise<JsonValue> {
    const { ctx, root } = call;
    const node = nodes[0] as FieldNode;
    const name = node.name.value;
    if (name === '__typename') return root.name;
    if (name === '__schema' || name === '__type') return introspected[key] ?? null;
    const info = ctx.roleSchema.queryFields.get(name);
    if (!info)
      throw validationFailed(
        `field '${name}' not found in type: '${root.name}'`,
        jsonPath(['selectionSet', key]),
      );
    if (info.kind === 'action') return this.actionField(call, key, nodes);
    if (info.kind === 'no_queries') return null;
    if (info.kind === 'async_action') {
      const field = root.getFields()[name] as GraphQLField<unknown, unknown>;
      const args = argumentsOf(ctx, field, node, jsonPath(['selectionSet', key, 'args'])) as JsonObject;
      return this.asyncActions.read(info.action.name, String(args.id), ctx.session, ctx, field, nodes);
    }

    const path = ['selectionSet', key];
    const args = argumentsOf(
      ctx,
      root.getFields()[name] as GraphQLField<unknown, unknown>,
      node,
      jsonPath([...path, 'args']),
    );
    const s: CompileContext = { ...ctx, params: new Params() };
    const { table } = info;
    const sub = (typeName: string) => subFields(s, s.schema.getType(typeName) as GraphQLObjectType, nodes);
    let sql: string;
    if (info.kind === 'select')
      sql = listJson(s, table, args as ListArgs, undefined, sub(table.gqlName), path);
    else if (info.kind === 'select_aggregate') {
      sql = aggregateJson(s, table, args as ListArgs, undefined, sub(`${table.gqlName}_aggregate`), path);
    } else if (info.kind === 'select_by_pk') {
      sql = singleRowJson(s, table, (alias) => pkCondition(s, table, alias, args), sub(table.gqlName), path);
    } else {
      throw new HasuraError('unexpected', `not a query field: ${name}`);
    }
    try {
      const result = await this.options.db.query<{ j: string | null }>(
        `SELECT (${sql})::text AS j`,
        s.params.values,
      );
      const text = result.rows[0]?.j;
      return text ? (JSON.parse(text) as JsonValue) : null;
    } catch (error) {
      if (isPostgresError(error)) throw fromPostgresError(error);
      throw error;
    }
  }
}

export async function createHasuraEngine(options: CreateEngineOptions): Promise<HasuraEngine> {
  const engine = new Engine(options);
  await engine.load();
  return engine;
}
