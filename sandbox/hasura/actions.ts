// Actions, dispatched the way `Hasura.GraphQL.Execute.Action.callWebhook` does:
// POST the JSON payload `{action:{name}, input, session_variables, request_query}` to the
// handler (with `{{ENV}}` templates resolved), with `Content-Type: application/json`, the
// configured headers (`value` / `value_from_env`) and, only with `forward_client_headers`, the
// client's headers minus `x-hasura-*` and Hasura's ignored list. Then:
//   2xx        -> the body checked against the output type, the client's selection applied;
//   4xx        -> `message` + `extensions` (or `code`) passed to the client;
//   other      -> `internal error`;
//   not JSON   -> `not a valid json response from webhook`;
//   no answer  -> `http exception when calling webhook` (network error or timeout).

import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import {
  type FieldNode,
  type GraphQLField,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  type GraphQLOutputType,
  GraphQLScalarType,
  isEnumType,
  isNonNullType,
} from 'graphql';
import type { Env, Session } from './auth';
import { HasuraError, type JsonObject, type JsonValue } from './errors';
import type { ActionMetadata } from './metadata';
import { argumentsOf, type SelectionContext, subFields } from './selection';

/** Request headers Hasura never forwards to a webhook (`commonClientHeadersIgnored`). */
const IGNORED_CLIENT_HEADERS = new Set([
  'content-length',
  'content-md5',
  'user-agent',
  'host',
  'origin',
  'referer',
  'accept',
  'accept-encoding',
  'accept-language',
  'accept-datetime',
  'cache-control',
  'connection',
  'dnt',
  'content-type',
]);

export const USER_AGENT = 'hasura-graphql-engine/v2-local-stand-in';

export function forwardedClientHeaders(headers: Record<string, string>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  if (lower.host !== undefined) out.push(['X-Forwarded-Host', lower.host]);
  if (lower['user-agent'] !== undefined) out.push(['X-Forwarded-User-Agent', lower['user-agent']]);
  if (lower.origin !== undefined) out.push(['X-Forwarded-Origin', lower.origin]);
  for (const [name, value] of Object.entries(headers)) {
    const l = name.toLowerCase();
    if (IGNORED_CLIENT_HEADERS.has(l) || l.startsWith('x-hasura-')) continue;
    out.push([name, value]);
  }
  return out;
}

/**
 * Resolves `{{ENV}}` templates in handler URLs once, when the metadata is loaded, as Hasura does
 * while building its schema cache. Hasura marks an action whose variable is unset inconsistent and
 * drops it from the schema; the stand-in refuses to start instead, naming the variable.
 */
export function resolveHandlers(actions: ActionMetadata[], env: Env): void {
  const missing = new Map<string, string[]>();
  for (const action of actions) {
    action.handler = action.handler.replace(
      /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g,
      (template, name: string) => {
        const value = env[name];
        if (value !== undefined) return value;
        missing.set(name, [...(missing.get(name) ?? []), action.name]);
        return template;
      },
    );
  }
  if (missing.size > 0) {
    const list = [...missing].map(
      ([name, used]) => `environment variable '${name}' not set (${used.join(', ')})`,
    );
    throw new Error(
      `Hasura stand-in: inconsistent metadata, action handlers need ${list.join('; ')}. Real Hasura would drop these actions from the schema.`,
    );
  }
}

interface WebhookResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function post(
  url: URL,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<WebhookResponse> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      url,
      { method: 'POST', headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          clearTimeout(timer);
          const responseHeaders: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers))
            if (v !== undefined) responseHeaders[k] = Array.isArray(v) ? v.join(', ') : v;
          resolve({
            status: res.statusCode ?? 0,
            headers: responseHeaders,
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
        res.on('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
      },
    );
    const timer = setTimeout(
      () => req.destroy(new Error(`response timeout after ${timeoutMs} ms`)),
      timeoutMs,
    );
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end(body);
  });
}

const unexpected = (message: string, internal: JsonValue) =>
  new HasuraError('unexpected', message, { internal });

function isBuiltInScalar(name: string): boolean {
  return ['Int', 'Float', 'String', 'Boolean', 'ID'].includes(name);
}

/** `validateResponse`: the shape of a 2xx body against the action's output type. */
function validateResponse(value: JsonValue, type: GraphQLOutputType, internal: JsonValue): void {
  const nullable = !isNonNullType(type);
  const named = isNonNullType(type) ? type.ofType : type;
  // Custom scalars (and enums) are passed through unchecked.
  if ((named instanceof GraphQLScalarType && !isBuiltInScalar(named.name)) || isEnumType(named)) return;
  const fail = (message: string) => {
    throw unexpected(message, internal);
  };
  if (value === null) {
    if (!nullable) fail('got null for the action webhook response');
    return;
  }
  if (named instanceof GraphQLList) {
    if (!Array.isArray(value)) fail('expecting array for the action webhook response');
    for (const item of value as JsonValue[])
      validateResponse(item, named.ofType as GraphQLOutputType, internal);
    return;
  }
  const name = (named as GraphQLObjectType | GraphQLScalarType).name;
  if (Array.isArray(value)) fail(`got array for the action webhook response, expecting ${name}`);
  else if (typeof value === 'number') {
    if (name !== 'Int' && name !== 'Float')
      fail(`got scalar String for the action webhook response, expecting ${name}`);
  } else if (typeof value === 'boolean') {
    if (name !== 'Boolean') fail(`got scalar Boolean for the action webhook response, expecting ${name}`);
  } else if (typeof value === 'string') {
    if (name !== 'String' && name !== 'ID')
      fail(`got scalar String for the action webhook response, expecting ${name}`);
  } else {
    if (isBuiltInScalar(name)) fail(`got object for the action webhook response, expecting ${name}`);
    if (named instanceof GraphQLObjectType) {
      // Fields the output type does not declare are ignored; non-nullable ones must be present.
      for (const field of Object.values(named.getFields())) {
        if (!isNonNullType(field.type)) continue;
        if (!(field.name in value)) fail(`field "${field.name}" expected in webhook response, but not found`);
        if ((value as JsonObject)[field.name] === null)
          fail(`expecting not null value for field "${field.name}"`);
      }
    }
  }
}

/** `makeActionResponseNoRelations`: the client's selection applied to the webhook's answer. */
function shape(
  ctx: SelectionContext,
  value: JsonValue,
  type: GraphQLOutputType,
  nodes: readonly FieldNode[],
): JsonValue {
  const named = type instanceof GraphQLNonNull ? type.ofType : type;
  if (value === null) return null;
  if (named instanceof GraphQLList) {
    return Array.isArray(value)
      ? value.map((item) => shape(ctx, item, named.ofType as GraphQLOutputType, nodes))
      : value;
  }
  if (!(named instanceof GraphQLObjectType) || typeof value !== 'object' || Array.isArray(value))
    return value;
  const out: JsonObject = {};
  for (const [key, group] of subFields(ctx, named, nodes)) {
    const name = (group[0] as FieldNode).name.value;
    if (name === '__typename') {
      out[key] = named.name;
      continue;
    }
    if (!(name in value)) continue;
    const field = named.getFields()[name];
    const raw = value[name] as JsonValue;
    out[key] = field ? shape(ctx, raw, field.type, group) : raw;
  }
  return out;
}

export interface ActionCall {
  action: ActionMetadata;
  field: GraphQLField<unknown, unknown>;
  nodes: FieldNode[];
  key: string;
  selection: SelectionContext;
  session: Session;
  requestHeaders: Record<string, string>;
  queryText: string;
  env: Env;
}

export async function runAction(call: ActionCall): Promise<JsonValue> {
  const { action, field, nodes, session } = call;
  const payload: JsonObject = {
    action: { name: action.name },
    input: actionInput(call),
    session_variables: session.variables,
    request_query: call.queryText,
  };
  const parsed = await callWebhook(action, field.type, payload, call.requestHeaders, call.env);
  return shape(call.selection, parsed, field.type, nodes);
}

function actionInput(call: ActionCall): JsonObject {
  const node = call.nodes[0] as FieldNode;
  return argumentsOf(call.selection, call.field, node, `$.selectionSet.${call.key}.args`) as JsonObject;
}

/** `callWebhook`: POSTs the payload, answers the 2xx body checked against the output type. */
async function callWebhook(
  action: ActionMetadata,
  outputType: GraphQLOutputType,
  payload: JsonObject,
  requestHeaders: Record<string, string>,
  env: Env,
): Promise<JsonValue> {
  const body = JSON.stringify(payload);

  const headers = new Map<string, [string, string]>();
  const set = (name: string, value: string) => headers.set(name.toLowerCase(), [name, value]);
  for (const header of action.headers) {
    if (header.value !== undefined) set(header.name, header.value);
    else if (header.valueFromEnv !== undefined) {
      const value = env[header.valueFromEnv];
      if (value === undefined)
        throw new HasuraError('not-found', `environment variable '${header.valueFromEnv}' not set`);
      set(header.name, value);
    }
  }
  set('Content-Type', 'application/json');
  set('User-Agent', USER_AGENT);
  if (action.forwardClientHeaders)
    for (const [name, value] of forwardedClientHeaders(requestHeaders)) set(name, value);

  const requestInfo: JsonObject = {
    url: action.handler,
    body: payload,
    headers: action.headers.map(
      (h): JsonObject =>
        h.value !== undefined
          ? { name: h.name, value: h.value }
          : { name: h.name, value_from_env: h.valueFromEnv ?? '' },
    ),
  };

  let url: URL;
  let response: WebhookResponse;
  try {
    url = new URL(action.handler);
    response = await post(url, Object.fromEntries(headers.values()), body, action.timeoutSeconds * 1000);
  } catch (error) {
    if (error instanceof HasuraError) throw error;
    throw unexpected('http exception when calling webhook', {
      error: { type: 'http_exception', message: (error as Error).message },
      request: requestInfo,
      response: null,
    });
  }

  const responseInfo = (bodyValue: JsonValue): JsonObject => ({
    status: response.status,
    body: bodyValue,
    headers: Object.entries(response.headers).map(([name, value]) => ({ name, value })),
  });

  let parsed: JsonValue;
  try {
    parsed = JSON.parse(response.body) as JsonValue;
  } catch (error) {
    throw unexpected('not a valid json response from webhook', {
      error: `invalid json: ${(error as Error).message}`,
      request: requestInfo,
      response: responseInfo(response.body),
    });
  }
  const internal: JsonObject = {
    error: 'unexpected response',
    request: requestInfo,
    response: responseInfo(parsed),
  };

  if (response.status >= 200 && response.status < 300) {
    validateResponse(parsed, outputType, internal);
    return parsed;
  }
  if (response.status >= 400 && response.status < 500) {
    const obj = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : undefined;
    const parseFailed = (message: string) => new HasuraError('parse-failed', message, { internal });
    const prefix =
      'parsing Hasura.GraphQL.Execute.Action.Types.ActionWebhookErrorResponse(ActionWebhookErrorResponse) failed';
    if (!obj)
      throw parseFailed(
        `${prefix}, expected Object, but encountered ${Array.isArray(parsed) ? 'Array' : typeof parsed}`,
      );
    if (typeof obj.message !== 'string') {
      throw parseFailed(
        obj.message === undefined
          ? `${prefix}, key "message" not found`
          : `${prefix}, expected String for key "message"`,
      );
    }
    if (obj.code !== undefined && obj.code !== null && typeof obj.code !== 'string') {
      throw parseFailed(`${prefix}, expected String for key "code"`);
    }
    const extensions = obj.extensions;
    if (
      extensions !== undefined &&
      extensions !== null &&
      (typeof extensions !== 'object' || Array.isArray(extensions))
    ) {
      throw parseFailed(`${prefix}, expected Object for key "extensions"`);
    }
    throw new HasuraError(typeof obj.code === 'string' ? obj.code : 'unexpected', obj.message, {
      ...(extensions && typeof extensions === 'object' && !Array.isArray(extensions) ? { extensions } : {}),
    });
  }
  throw unexpected('internal error', {
    error: `expecting 2xx or 4xx status code, but found ${response.status}`,
    request: requestInfo,
    response: responseInfo(parsed),
  });
}

// ---- asynchronous actions ----------------------------------------------------------------
// As Hasura v2 does (`Hasura.GraphQL.Schema.Action.actionAsyncMutation` / `actionAsyncQuery`,
// `Hasura.GraphQL.Execute.Action.resolveActionMutationAsync` / `asyncActionsProcessor` /
// `resolveAsyncActionQuery`): the mutation logs the call and answers its id at once; the handler
// is called in the background with the same payload minus `request_query`; the outcome (the 2xx
// body, or the error as `{path, error, code}` JSON) is read back by the query/subscription field of
// the action's name, and only by the session that made the call (or an admin). Hasura keeps the
// log in `hdb_catalog.hdb_action_log`; the stand-in keeps it in memory.

interface AsyncLogEntry {
  id: string;
  action: string;
  createdAt: string;
  sessionVariables: Record<string, string>;
  response: JsonValue | undefined;
  errors: JsonValue | undefined;
}

export class AsyncActionLog {
  private entries = new Map<string, AsyncLogEntry>();
  private pending = new Set<Promise<void>>();

  /** Logs the call and starts the handler in the background; answers the action id. */
  start(call: ActionCall, outputType: GraphQLOutputType): string {
    const id = randomUUID();
    const entry: AsyncLogEntry = {
      id,
      action: call.action.name,
      createdAt: new Date().toISOString(),
      sessionVariables: { ...call.session.variables },
      response: undefined,
      errors: undefined,
    };
    this.entries.set(id, entry);
    const payload: JsonObject = {
      action: { name: call.action.name },
      input: actionInput(call),
      session_variables: call.session.variables,
    };
    const work = callWebhook(call.action, outputType, payload, call.requestHeaders, call.env).then(
      (response) => {
        entry.response = response;
      },
      (error: unknown) => {
        const e = error instanceof HasuraError ? error : new HasuraError('unexpected', String(error));
        entry.errors = {
          path: e.path,
          error: e.message,
          code: e.code,
          ...(e.extensions ? { extensions: e.extensions } : {}),
        };
      },
    );
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
    return id;
  }

  /** The `{id, created_at, errors, output}` of a call, or null for another session (Hasura's row filter). */
  read(
    actionName: string,
    id: string,
    session: Session,
    ctx: SelectionContext,
    field: GraphQLField<unknown, unknown>,
    nodes: readonly FieldNode[],
  ): JsonValue {
    const entry = this.entries.get(id);
    if (!entry || entry.action !== actionName) return null;
    if (session.role !== 'admin' && !sameVariables(entry.sessionVariables, session.variables)) return null;
    const type = (field.type instanceof GraphQLNonNull ? field.type.ofType : field.type) as GraphQLObjectType;
    const out: JsonObject = {};
    for (const [key, group] of subFields(ctx, type, nodes)) {
      const name = (group[0] as FieldNode).name.value;
      if (name === '__typename') out[key] = type.name;
      else if (name === 'id') out[key] = entry.id;
      else if (name === 'created_at') out[key] = entry.createdAt;
      else if (name === 'errors') out[key] = entry.errors ?? null;
      else if (name === 'output') {
        const output = type.getFields().output as GraphQLField<unknown, unknown>;
        out[key] = entry.response === undefined ? null : shape(ctx, entry.response, output.type, group);
      }
    }
    return out;
  }

  /** Waits for the handlers still running (the stand-in's close). */
  async settle(): Promise<void> {
    await Promise.all([...this.pending]);
  }
}

function sameVariables(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = (o: Record<string, string>) =>
    Object.keys(o)
      .map((k) => k.toLowerCase())
      .sort();
  const lower = (o: Record<string, string>) =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k.toLowerCase(), v]));
  const la = lower(a);
  const lb = lower(b);
  return JSON.stringify(keys(a)) === JSON.stringify(keys(b)) && keys(a).every((k) => la[k] === lb[k]);
}
