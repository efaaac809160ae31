// Reads a Hasura CLI project (config v3, metadata format v3) exactly as `hasura metadata export`
// writes it: YAML files stitched together with `!include`, actions split between `actions.yaml`
// and `actions.graphql`, and migrations under `migrations/<database>/<version>_<name>/up.sql`.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { DocumentNode } from 'graphql';
import { Kind, parse as parseGraphQL } from 'graphql';
import YAML from 'yaml';
import type { JsonObject, JsonValue } from './errors';

export type BoolExp = JsonObject;

export interface TableName {
  schema: string;
  name: string;
}

export type ForeignKeyUsing =
  | { kind: 'local'; columns: string[] }
  | { kind: 'remote'; table: TableName; columns: string[] };

export interface RelationshipMetadata {
  name: string;
  type: 'object' | 'array';
  using:
    | { foreignKey: ForeignKeyUsing }
    | { manual: { remoteTable: TableName; columnMapping: Record<string, string> } };
}

export interface SelectPermission {
  columns: string[] | '*';
  filter: BoolExp;
  limit?: number;
  allowAggregations: boolean;
  queryRootFields?: string[];
}

export interface InsertPermission {
  check: BoolExp;
  columns: string[] | '*';
  set: Record<string, JsonValue>;
  backendOnly: boolean;
}

export interface UpdatePermission {
  columns: string[] | '*';
  filter: BoolExp;
  check?: BoolExp;
  set: Record<string, JsonValue>;
  backendOnly: boolean;
}

export interface DeletePermission {
  filter: BoolExp;
  backendOnly: boolean;
}

export interface TableMetadata {
  table: TableName;
  customName?: string;
  customRootFields: Record<string, string>;
  columnNames: Record<string, string>;
  relationships: RelationshipMetadata[];
  select: Map<string, SelectPermission>;
  insert: Map<string, InsertPermission>;
  update: Map<string, UpdatePermission>;
  delete: Map<string, DeletePermission>;
}

export interface ActionHeader {
  name: string;
  value?: string;
  valueFromEnv?: string;
}

export interface ActionMetadata {
  name: string;
  kind: 'synchronous' | 'asynchronous';
  type: 'query' | 'mutation';
  handler: string;
  forwardClientHeaders: boolean;
  headers: ActionHeader[];
  timeoutSeconds: number;
  roles: string[];
}

export interface Migration {
  version: string;
  name: string;
  upSql: string;
}

export interface ProjectMetadata {
  projectDir: string;
  tables: TableMetadata[];
  actions: ActionMetadata[];
  /** `actions.graphql`: the actions' root fields and their custom types, as written. */
  actionTypes: DocumentNode | undefined;
  migrations: Migration[];
  introspectionDisabledFor: string[];
}

const INCLUDE = /^!include\s+(.+)$/;

/** `!include` both as the quoted string the CLI writes and as a YAML tag. */
const includeTag = {
  tag: '!include',
  resolve: (value: string) => `!include ${value}`,
};

function readYaml(file: string): JsonValue {
  const text = readFileSync(file, 'utf8');
  const value = YAML.parse(text, { customTags: [includeTag] }) as JsonValue | undefined;
  return resolveIncludes(value ?? null, dirname(file));
}

function resolveIncludes(value: JsonValue, baseDir: string): JsonValue {
  if (typeof value === 'string') {
    const match = INCLUDE.exec(value);
    return match?.[1] ? readYaml(resolve(baseDir, match[1].trim())) : value;
  }
  if (Array.isArray(value)) return value.map((item) => resolveIncludes(item, baseDir));
  if (value && typeof value === 'object') {
    const out: JsonObject = {};
    for (const [key, item] of Object.entries(value)) out[key] = resolveIncludes(item, baseDir);
    return out;
  }
  return value;
}

function asObject(value: JsonValue | undefined, what: string): JsonObject {
  if (value && typeof value === 'object' && !Array.isArray(value)) return value;
  throw new Error(`Hasura metadata: ${what} must be an object`);
}

function asArray(value: JsonValue | undefined): JsonValue[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value;
  throw new Error('Hasura metadata: expected a list');
}

function tableName(value: JsonValue | undefined): TableName {
  if (typeof value === 'string') return { schema: 'public', name: value };
  const obj = asObject(value, 'table');
  return { schema: typeof obj.schema === 'string' ? obj.schema : 'public', name: String(obj.name) };
}

function columnList(value: JsonValue | undefined): string[] | '*' {
  if (value === '*') return '*';
  return asArray(value).map(String);
}

function stringList(value: JsonValue | undefined): string[] {
  return asArray(value).map(String);
}

function foreignKeyUsing(value: JsonValue): ForeignKeyUsing {
  if (typeof value === 'string') return { kind: 'local', columns: [value] };
  if (Array.isArray(value)) return { kind: 'local', columns: value.map(String) };
  const obj = asObject(value, 'foreign_key_constraint_on');
  const columns = obj.columns !== undefined ? stringList(obj.columns) : [String(obj.column)];
  return { kind: 'remote', table: tableName(obj.table), columns };
}

function relationship(value: JsonValue, type: 'object' | 'array'): RelationshipMetadata {
  const rel = asObject(value, 'relationship');
  const using = asObject(rel.using, `relationship ${String(rel.name)}.using`);
  if (using.foreign_key_constraint_on !== undefined) {
    return {
      name: String(rel.name),
      type,
      using: { foreignKey: foreignKeyUsing(using.foreign_key_constraint_on) },
    };
  }
  const manual = asObject(
    using.manual_configuration,
    `relationship ${String(rel.name)}.manual_configuration`,
  );
  const mapping = asObject(manual.column_mapping, 'column_mapping');
  return {
    name: String(rel.name),
    type,
    using: {
      manual: {
        remoteTable: tableName(manual.remote_table),
        columnMapping: Object.fromEntries(Object.entries(mapping).map(([k, v]) => [k, String(v)])),
      },
    },
  };
}

function permissions<T>(value: JsonValue | undefined, build: (permission: JsonObject) => T): Map<string, T> {
  const out = new Map<string, T>();
  for (const entry of asArray(value)) {
    const obj = asObject(entry, 'permission');
    out.set(String(obj.role), build(asObject(obj.permission ?? {}, 'permission')));
  }
  return out;
}

function boolExp(value: JsonValue | undefined): BoolExp {
  return value === undefined || value === null ? {} : asObject(value, 'boolean expression');
}

function presets(value: JsonValue | undefined): Record<string, JsonValue> {
  return value === undefined || value === null ? {} : asObject(value, 'set');
}

function table(value: JsonValue): TableMetadata {
  const obj = asObject(value, 'table entry');
  const config = obj.configuration ? asObject(obj.configuration, 'configuration') : {};
  const customRootFields: Record<string, string> = {};
  if (config.custom_root_fields) {
    for (const [key, field] of Object.entries(asObject(config.custom_root_fields, 'custom_root_fields'))) {
      const name =
        typeof field === 'string'
          ? field
          : field && typeof field === 'object' && !Array.isArray(field)
            ? field.name
            : null;
      if (typeof name === 'string') customRootFields[key] = name;
    }
  }
  const columnNames: Record<string, string> = {};
  if (config.column_config) {
    for (const [column, conf] of Object.entries(asObject(config.column_config, 'column_config'))) {
      const custom = conf && typeof conf === 'object' && !Array.isArray(conf) ? conf.custom_name : undefined;
      if (typeof custom === 'string') columnNames[column] = custom;
    }
  }
  if (config.custom_column_names) {
    for (const [column, custom] of Object.entries(
      asObject(config.custom_column_names, 'custom_column_names'),
    )) {
      if (typeof custom === 'string') columnNames[column] ??= custom;
    }
  }
  return {
    table: tableName(obj.table),
    ...(typeof config.custom_name === 'string' ? { customName: config.custom_name } : {}),
    customRootFields,
    columnNames,
    relationships: [
      ...asArray(obj.object_relationships).map((r) => relationship(r, 'object')),
      ...asArray(obj.array_relationships).map((r) => relationship(r, 'array')),
    ],
    select: permissions(obj.select_permissions, (p) => ({
      columns: columnList(p.columns),
      filter: boolExp(p.filter),
      ...(typeof p.limit === 'number' ? { limit: p.limit } : {}),
      allowAggregations: p.allow_aggregations === true,
      ...(p.query_root_fields !== undefined && p.query_root_fields !== null
        ? { queryRootFields: stringList(p.query_root_fields) }
        : {}),
    })),
    insert: permissions(obj.insert_permissions, (p) => ({
      check: boolExp(p.check),
      columns: columnList(p.columns),
      set: presets(p.set),
      backendOnly: p.backend_only === true,
    })),
    update: permissions(obj.update_permissions, (p) => ({
      columns: columnList(p.columns),
      filter: boolExp(p.filter),
      ...(p.check !== undefined && p.check !== null ? { check: boolExp(p.check) } : {}),
      set: presets(p.set),
      backendOnly: p.backend_only === true,
    })),
    delete: permissions(obj.delete_permissions, (p) => ({
      filter: boolExp(p.filter),
      backendOnly: p.backend_only === true,
    })),
  };
}

function action(value: JsonValue): ActionMetadata {
  const obj = asObject(value, 'action');
  const def = asObject(obj.definition, `action ${String(obj.name)}.definition`);
  const headers = asArray(def.headers).map((entry): ActionHeader => {
    const header = asObject(entry, 'header');
    return {
      name: String(header.name),
      ...(typeof header.value === 'string' ? { value: header.value } : {}),
      ...(typeof header.value_from_env === 'string' ? { valueFromEnv: header.value_from_env } : {}),
    };
  });
  return {
    name: String(obj.name),
    kind: def.kind === 'asynchronous' ? 'asynchronous' : 'synchronous',
    // Replaced by the root type in actions.graphql (see rootTypes): `hasura metadata apply` builds
    // `type` from the SDL and ignores actions.yaml's, which `hasura metadata export` drops.
    type: 'mutation',
    handler: String(def.handler),
    forwardClientHeaders: def.forward_client_headers === true,
    headers,
    timeoutSeconds: typeof def.timeout === 'number' ? def.timeout : 30,
    roles: asArray(obj.permissions).map((p) => String(asObject(p, 'action permission').role)),
  };
}

function migrations(projectDir: string, metadataDirName: string): Migration[] {
  const root = join(projectDir, metadataDirName);
  if (!existsSync(root)) return [];
  // Config v3 keeps one directory per database; older projects put versions at the top level.
  const dir =
    existsSync(join(root, 'default')) && statSync(join(root, 'default')).isDirectory()
      ? join(root, 'default')
      : root;
  return readdirSync(dir)
    .map((entry) => /^(\d+)_(.*)$/.exec(entry))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ entry: match[0], version: match[1] ?? '', name: match[2] ?? '' }))
    .filter(({ entry }) => existsSync(join(dir, entry, 'up.sql')))
    .sort((a, b) =>
      BigInt(a.version) < BigInt(b.version) ? -1 : BigInt(a.version) > BigInt(b.version) ? 1 : 0,
    )
    .map(({ entry, version, name }) => ({
      version,
      name,
      upSql: readFileSync(join(dir, entry, 'up.sql'), 'utf8'),
    }));
}

/** Each root field of actions.graphql and the root type (`type`/`extend type`) it appears in. */
function rootTypes(doc: DocumentNode | undefined): Map<string, string> {
  const roots = new Map<string, string>();
  for (const def of doc?.definitions ?? []) {
    if (def.kind !== Kind.OBJECT_TYPE_DEFINITION && def.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    const typeName = def.name.value;
    if (typeName !== 'Query' && typeName !== 'Mutation' && typeName !== 'Subscription') continue;
    for (const field of def.fields ?? []) roots.set(field.name.value, typeName);
  }
  return roots;
}

export function loadProject(projectDir: string): ProjectMetadata {
  const root = resolve(projectDir);
  const configFile = join(root, 'config.yaml');
  const config = existsSync(configFile) ? asObject(readYaml(configFile), 'config.yaml') : {};
  const metadataDir = join(
    root,
    typeof config.metadata_directory === 'string' ? config.metadata_directory : 'metadata',
  );
  const migrationsDir =
    typeof config.migrations_directory === 'string' ? config.migrations_directory : 'migrations';

  const databasesFile = join(metadataDir, 'databases', 'databases.yaml');
  const databases = existsSync(databasesFile) ? asArray(readYaml(databasesFile)) : [];
  // The stand-in serves one PostgreSQL database: the source named `default` (else the first one).
  const source =
    databases.map((d) => asObject(d, 'database')).find((d) => d.name === 'default') ??
    (databases[0] ? asObject(databases[0], 'database') : undefined);
  const tables = source ? asArray(source.tables).map(table) : [];

  const actionsFile = join(metadataDir, 'actions.yaml');
  const actionsYaml = existsSync(actionsFile) ? asObject(readYaml(actionsFile) ?? {}, 'actions.yaml') : {};
  const actionsGraphql = join(metadataDir, 'actions.graphql');
  const sdl = existsSync(actionsGraphql) ? readFileSync(actionsGraphql, 'utf8') : '';

  const introspectionFile = join(metadataDir, 'graphql_schema_introspection.yaml');
  const introspection = existsSync(introspectionFile) ? readYaml(introspectionFile) : null;
  let disabledFor: string[] = [];
  if (introspection !== null) {
    // Hasura parses this file as SetGraphqlIntrospectionOptions: `disabled_for_roles` is required
    // (`{}` is refused when applied); the CLI writes `disabled_for_roles: []`.
    const options = asObject(introspection, 'graphql_schema_introspection.yaml');
    if (!Array.isArray(options.disabled_for_roles)) {
      throw new Error(
        'Hasura metadata: graphql_schema_introspection.yaml: key "disabled_for_roles" not found (write "disabled_for_roles: []")',
      );
    }
    disabledFor = stringList(options.disabled_for_roles);
  }

  const actionTypes = sdl.trim() ? parseGraphQL(sdl) : undefined;
  const roots = rootTypes(actionTypes);
  const actions = asArray(actionsYaml.actions).map(action);
  for (const entry of actions) {
    const root = roots.get(entry.name);
    // The CLI's `metadata apply` refuses the same way ("action X is not present in actions.graphql").
    if (!root) throw new Error(`Hasura metadata: action ${entry.name} is not present in actions.graphql`);
    entry.type = root === 'Query' ? 'query' : 'mutation';
  }

  return {
    projectDir: root,
    tables,
    actions,
    actionTypes,
    migrations: migrations(root, migrationsDir),
    introspectionDisabledFor: disabledFor,
  };
}
