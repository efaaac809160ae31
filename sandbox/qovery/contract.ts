/**
 * Qovery's OpenAPI document as a contract the stand-in holds itself and its callers to: every
 * request it receives and every answer it sends is checked against `openapi.yaml` (a pinned,
 * unmodified copy of Qovery's published document; see README.md for where it comes from).
 *
 * Validator: Ajv (the maintained JSON Schema validator most OpenAPI tools are built on) with
 * ajv-formats. The whole document is added to Ajv once and each operation's schemas are compiled
 * lazily by JSON pointer, so a 1 MB document costs only what the calls use. Routing is a small
 * matcher over the document's path templates (literal segments win over parameters).
 * openapi-backend was tried first: its dereferencer crashes on this document.
 *
 * Patches (applied in memory, the file stays as published):
 * - `nullable: true` beside no `type` (on a `$ref`, `allOf`, `oneOf`, `enum`, …): Ajv refuses to
 *   compile it ("nullable" cannot be used without "type"), so the whole document would be lost.
 *   OpenAPI 3.0 means "this schema, or null": it becomes `anyOf: [<the schema>, {type: 'null'}]`.
 *   A `nullable: false` beside no `type` (the jobs' `source`) means nothing and is dropped.
 * - Formats Ajv does not know (`UUID`, `uu`, `cron`, `string`, …, typos included) are accepted as
 *   any string: Qovery documents no rule for them.
 * - `discriminator` is ignored (Ajv's support needs constraints this document does not meet);
 *   `oneOf` still checks the alternatives.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

export const OPENAPI_FILE = join(__dirname, 'openapi.yaml');

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
type Method = (typeof METHODS)[number];

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: object;
}

interface Operation {
  operationId?: string;
  parameters?: (Parameter | { $ref: string })[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: object }> } | { $ref: string };
  responses?: Record<string, { content?: Record<string, { schema?: object }> } | { $ref: string }>;
}

interface OpenApiDocument {
  paths: Record<string, Partial<Record<Method, Operation>> & { parameters?: Operation['parameters'] }>;
}

interface Route {
  template: string;
  pattern: RegExp;
  names: string[];
  literals: number;
}

export interface ContractCheck {
  /** `createEnvironment`-style operation id, when the path and method exist in the document. */
  operationId?: string;
  /** Human-readable problems; empty when the message honours the document. */
  problems: string[];
}

export interface Contract {
  checkRequest(request: {
    method: string;
    path: string;
    query: URLSearchParams;
    body: unknown;
  }): ContractCheck;
  checkResponse(response: { method: string; path: string; status: number; body: unknown }): ContractCheck;
}

/** Statuses Qovery may answer to any call (its error bodies are not specified in the document). */
const GENERIC_ERRORS = new Set([400, 401, 403, 404, 405, 409, 413, 429, 500, 502, 503, 504]);

let loaded: Contract | undefined;

/** The contract, parsed and prepared once per process (about half a second for the YAML). */
export function qoveryContract(): Contract {
  loaded ??= buildContract(parse(readFileSync(OPENAPI_FILE, 'utf8')) as OpenApiDocument);
  return loaded;
}

/** `nullable: true` without `type` → `anyOf: [that schema, null]`, everywhere in the document. */
export function patchNullable(node: unknown): number {
  let patched = 0;
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    const record = value as Record<string, unknown>;
    for (const child of Object.values(record)) visit(child);
    // `nullable: false` beside no `type` (BaseJobResponse's `source`) says nothing, but Ajv refuses
    // it as well: it goes.
    if (record.nullable === false && record.type === undefined) {
      delete record.nullable;
      patched++;
    }
    if (record.nullable === true && record.type === undefined) {
      const { nullable: _nullable, description, title, ...schema } = record;
      for (const key of Object.keys(record)) delete record[key];
      Object.assign(record, {
        ...(title === undefined ? {} : { title }),
        ...(description === undefined ? {} : { description }),
        anyOf: [schema, { type: 'null' }],
      });
      patched++;
    }
  };
  visit(node);
  return patched;
}

function pointer(...segments: string[]): string {
  return `qovery#/${segments.map((s) => encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/')}`;
}

export function buildContract(document: OpenApiDocument): Contract {
  patchNullable(document);
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true, discriminator: false });
  addFormats(ajv);
  for (const format of ['UUID', 'uu', 'cron', 'string', 'int32', 'int64', 'float', 'double', 'password']) {
    if (!ajv.formats[format]) ajv.addFormat(format, true);
  }
  // Any format the document names that neither Ajv nor the list above knows: accept, as above.
  JSON.stringify(document, (key, value) => {
    if (key === 'format' && typeof value === 'string' && !ajv.formats[value]) ajv.addFormat(value, true);
    return value;
  });
  ajv.addSchema(document as object, 'qovery');
  const parameterAjv = new Ajv({ strict: false, allErrors: true, coerceTypes: true });
  addFormats(parameterAjv);
  for (const format of Object.keys(ajv.formats)) {
    if (!parameterAjv.formats[format]) parameterAjv.addFormat(format, true);
  }
  parameterAjv.addSchema(document as object, 'qovery');

  const routes: Route[] = Object.keys(document.paths)
    .map((template) => {
      const names: string[] = [];
      const source = template
        .split('/')
        .map((segment) => {
          const param = /^\{(.+)\}$/.exec(segment);
          if (param?.[1]) {
            names.push(param[1]);
            return '([^/]+)';
          }
          return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        })
        .join('/');
      return {
        template,
        pattern: new RegExp(`^${source}/?$`),
        names,
        literals: template.split('/').filter((s) => s && !s.startsWith('{')).length,
      };
    })
    .sort((a, b) => b.literals - a.literals || a.names.length - b.names.length);

  const compiled = new Map<string, ValidateFunction>();
  const validator = (instance: Ajv, ref: string): ValidateFunction => {
    const key = `${instance === ajv ? 'b' : 'p'}${ref}`;
    let validate = compiled.get(key);
    if (!validate) {
      // Parameters arrive as text: coercion ("10" → 10) needs the value inside a parent object.
      validate =
        instance === ajv
          ? instance.compile({ $ref: ref })
          : instance.compile({ type: 'object', properties: { value: { $ref: ref } } });
      compiled.set(key, validate);
    }
    return validate;
  };
  const resolve = <T>(value: T | { $ref: string }): T => {
    let current: unknown = value;
    for (let i = 0; i < 10 && current && typeof current === 'object' && '$ref' in current; i++) {
      const ref = (current as { $ref: string }).$ref;
      current = ref
        .replace(/^#\//, '')
        .split('/')
        .map((s) => decodeURIComponent(s).replace(/~1/g, '/').replace(/~0/g, '~'))
        .reduce<unknown>(
          (node, segment) => (node as Record<string, unknown> | undefined)?.[segment],
          document,
        );
    }
    return current as T;
  };

  const find = (method: string, path: string) => {
    const verb = method.toLowerCase() as Method;
    let pathFound = false;
    for (const route of routes) {
      const match = route.pattern.exec(path);
      if (!match) continue;
      pathFound = true;
      const operation = document.paths[route.template]?.[verb];
      if (!operation) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, index) => {
        params[name] = decodeURIComponent(match[index + 1] ?? '');
      });
      return { route, operation, verb, params };
    }
    return { pathFound };
  };

  const describe = (errors: ErrorObject[] | null | undefined, where: string): string[] =>
    (errors ?? []).map(
      (e) =>
        `${where}${(e.instancePath || '').replace(/^\/value/, '')} ${e.message ?? 'is invalid'}${
          e.params && Object.keys(e.params).length ? ` (${JSON.stringify(e.params)})` : ''
        }`,
    );

  return {
    checkRequest({ method, path, query, body }) {
      const found = find(method, path);
      if (!('operation' in found) || !found.operation) {
        return {
          problems: [
            `${method} ${path}: ${found.pathFound ? 'method not in' : 'no such path in'} Qovery's API`,
          ],
        };
      }
      const { route, operation, verb, params } = found;
      const problems: string[] = [];
      const declared = [
        ...(document.paths[route.template]?.parameters ?? []),
        ...(operation.parameters ?? []),
      ];
      for (const [index, raw] of declared.entries()) {
        const parameter = resolve(raw);
        if (parameter.in !== 'path' && parameter.in !== 'query') continue;
        const value =
          parameter.in === 'path' ? params[parameter.name] : (query.get(parameter.name) ?? undefined);
        if (value === undefined) {
          if (parameter.required) problems.push(`${parameter.in} parameter ${parameter.name} is required`);
          continue;
        }
        if (!parameter.schema) continue;
        const owner = index < (document.paths[route.template]?.parameters ?? []).length;
        const base = owner ? pointer('paths', route.template) : pointer('paths', route.template, verb);
        const local = owner ? index : index - (document.paths[route.template]?.parameters ?? []).length;
        const ref = '$ref' in raw ? raw.$ref.replace(/^#/, 'qovery#') : `${base}/parameters/${local}`;
        const validate = validator(parameterAjv, `${ref}/schema`);
        if (!validate({ value })) {
          problems.push(...describe(validate.errors, `${parameter.in} parameter ${parameter.name}`));
        }
      }
      const requestBody = operation.requestBody ? resolve(operation.requestBody) : undefined;
      if (requestBody) {
        const schemaOwner = '$ref' in (operation.requestBody ?? {}) ? undefined : requestBody;
        if (body === undefined) {
          if (requestBody.required) problems.push('a JSON body is required');
        } else if (!requestBody.content?.['application/json']) {
          problems.push('this operation takes no JSON body');
        } else if (requestBody.content['application/json'].schema) {
          const ref = schemaOwner
            ? `${pointer('paths', route.template, verb, 'requestBody', 'content', 'application/json')}/schema`
            : `${(operation.requestBody as { $ref: string }).$ref.replace(/^#/, 'qovery#')}/content/application~1json/schema`;
          const validate = validator(ajv, ref);
          if (!validate(body)) problems.push(...describe(validate.errors, 'body'));
        }
      } else if (body !== undefined) {
        problems.push('this operation takes no body');
      }
      return { operationId: operation.operationId, problems };
    },

    checkResponse({ method, path, status, body }) {
      const found = find(method, path);
      if (!('operation' in found) || !found.operation) return { problems: [] };
      const { route, operation, verb } = found;
      const documented = operation.responses?.[String(status)];
      if (!documented) {
        if (status >= 400 && GENERIC_ERRORS.has(status))
          return { operationId: operation.operationId, problems: [] };
        return {
          operationId: operation.operationId,
          problems: [
            `status ${status} is not documented for ${operation.operationId ?? `${method} ${path}`}`,
          ],
        };
      }
      const response = resolve(documented);
      const media = response.content?.['application/json'];
      if (!media?.schema) {
        if (status < 400 && body !== undefined && response.content === undefined) {
          return { operationId: operation.operationId, problems: [`status ${status} documents no body`] };
        }
        return { operationId: operation.operationId, problems: [] };
      }
      if (body === undefined)
        return { operationId: operation.operationId, problems: ['a JSON body is documented'] };
      const ref =
        '$ref' in documented
          ? `${documented.$ref.replace(/^#/, 'qovery#')}/content/application~1json/schema`
          : `${pointer('paths', route.template, verb, 'responses', String(status), 'content', 'application/json')}/schema`;
      const validate = validator(ajv, ref);
      return {
        operationId: operation.operationId,
        problems: validate(body) ? [] : describe(validate.errors, 'body'),
      };
    },
  };
}
