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

/** A path template of the document, as a pattern; literal segments win over parameters. */
interface PathTemplate {
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
const GENERIC_ERRORS = new Set([400, 401, 403, 404, 405, 409, 413, 500, 502, 503, 504]);

/**
 * The API's rate limit answers 429 to any call: Qovery documents it for every endpoint (1000
 * requests per hour per API token, https://www.qovery.com/docs/api-reference/introduction), while
 * the OpenAPI document declares 429 on one operation only (syncServiceGitWebhook, and there for the
 * git provider's limit, not the API's). So a 429 honours the contract on every operation, whatever
 * the operation declares, with any body (the stand-in sends its usual `{status, detail}`).
 */
const RATE_LIMITED = 429;

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

/** The document, its path templates and its validators: what every check works on. */
interface Prepared {
  document: OpenApiDocument;
  templates: PathTemplate[];
  validators: Validators;
}

interface Validators {
  /** Bodies, checked as sent. */
  body: Ajv;
  /** Path and query parameters, which arrive as text: types are coerced ("10" → 10). */
  parameter: Ajv;
  compiled: Map<string, ValidateFunction>;
}

/** An operation the document has for a call, with the call's path parameters by name. */
interface FoundOperation {
  template: PathTemplate;
  operation: Operation;
  verb: Method;
  params: Record<string, string>;
}

export function buildContract(document: OpenApiDocument): Contract {
  patchNullable(document);
  const prepared: Prepared = {
    document,
    validators: createValidators(document),
    templates: pathTemplates(document),
  };
  return {
    checkRequest: (request) => checkRequest(prepared, request),
    checkResponse: (response) => checkResponse(prepared, response),
  };
}

function createValidators(document: OpenApiDocument): Validators {
  const body = new Ajv({ strict: false, allErrors: true, validateFormats: true, discriminator: false });
  addFormats(body);
  for (const format of ['UUID', 'uu', 'cron', 'string', 'int32', 'int64', 'float', 'double', 'password']) {
    if (!body.formats[format]) body.addFormat(format, true);
  }
  // Any format the document names that neither Ajv nor the list above knows: accept, as above.
  JSON.stringify(document, (key, value) => {
    if (key === 'format' && typeof value === 'string' && !body.formats[value]) body.addFormat(value, true);
    return value;
  });
  body.addSchema(document as object, 'qovery');
  const parameter = new Ajv({ strict: false, allErrors: true, coerceTypes: true });
  addFormats(parameter);
  for (const format of Object.keys(body.formats)) {
    if (!parameter.formats[format]) parameter.addFormat(format, true);
  }
  parameter.addSchema(document as object, 'qovery');
  return { body, parameter, compiled: new Map() };
}

function pathTemplates(document: OpenApiDocument): PathTemplate[] {
  return Object.keys(document.paths)
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
}

/** The validator of the schema at `ref`, compiled on first use. */
function validator(validators: Validators, kind: 'body' | 'parameter', ref: string): ValidateFunction {
  const key = `${kind === 'body' ? 'b' : 'p'}${ref}`;
  let validate = validators.compiled.get(key);
  if (!validate) {
    // Parameters arrive as text: coercion ("10" → 10) needs the value inside a parent object.
    validate =
      kind === 'body'
        ? validators.body.compile({ $ref: ref })
        : validators.parameter.compile({ type: 'object', properties: { value: { $ref: ref } } });
    validators.compiled.set(key, validate);
  }
  return validate;
}

/** Follows `$ref`s (up to ten) within the document. */
function resolveRef<T>(document: OpenApiDocument, value: T | { $ref: string }): T {
  let current: unknown = value;
  for (let i = 0; i < 10 && current && typeof current === 'object' && '$ref' in current; i++) {
    const ref = (current as { $ref: string }).$ref;
    current = ref
      .replace(/^#\//, '')
      .split('/')
      .map((s) => decodeURIComponent(s).replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce<unknown>((node, segment) => (node as Record<string, unknown> | undefined)?.[segment], document);
  }
  return current as T;
}

function findOperation(
  { document, templates }: Prepared,
  method: string,
  path: string,
): FoundOperation | { pathFound: boolean } {
  const verb = method.toLowerCase() as Method;
  let pathFound = false;
  for (const template of templates) {
    const match = template.pattern.exec(path);
    if (!match) continue;
    pathFound = true;
    const operation = document.paths[template.template]?.[verb];
    if (!operation) continue;
    const params: Record<string, string> = {};
    template.names.forEach((name, index) => {
      params[name] = decodeURIComponent(match[index + 1] ?? '');
    });
    return { template, operation, verb, params };
  }
  return { pathFound };
}

function describe(errors: ErrorObject[] | null | undefined, where: string): string[] {
  return (errors ?? []).map(
    (e) =>
      `${where}${(e.instancePath || '').replace(/^\/value/, '')} ${e.message ?? 'is invalid'}${
        e.params && Object.keys(e.params).length ? ` (${JSON.stringify(e.params)})` : ''
      }`,
  );
}

function checkRequest(
  prepared: Prepared,
  request: { method: string; path: string; query: URLSearchParams; body: unknown },
): ContractCheck {
  const { method, path, query, body } = request;
  const found = findOperation(prepared, method, path);
  if (!('operation' in found)) {
    return {
      problems: [`${method} ${path}: ${found.pathFound ? 'method not in' : 'no such path in'} Qovery's API`],
    };
  }
  const problems = [...parameterProblems(prepared, found, query), ...bodyProblems(prepared, found, body)];
  return { operationId: found.operation.operationId, problems };
}

/** Path and query parameters: the required ones present, each as its schema says. */
function parameterProblems(prepared: Prepared, found: FoundOperation, query: URLSearchParams): string[] {
  const { document, validators } = prepared;
  const { template, operation, verb, params } = found;
  const problems: string[] = [];
  const ofPath = document.paths[template.template]?.parameters ?? [];
  const declared = [...ofPath, ...(operation.parameters ?? [])];
  for (const [index, raw] of declared.entries()) {
    const parameter = resolveRef(document, raw);
    if (parameter.in !== 'path' && parameter.in !== 'query') continue;
    const value = parameter.in === 'path' ? params[parameter.name] : (query.get(parameter.name) ?? undefined);
    if (value === undefined) {
      if (parameter.required) problems.push(`${parameter.in} parameter ${parameter.name} is required`);
      continue;
    }
    if (!parameter.schema) continue;
    const owner = index < ofPath.length;
    const base = owner ? pointer('paths', template.template) : pointer('paths', template.template, verb);
    const local = owner ? index : index - ofPath.length;
    const ref = '$ref' in raw ? raw.$ref.replace(/^#/, 'qovery#') : `${base}/parameters/${local}`;
    const validate = validator(validators, 'parameter', `${ref}/schema`);
    if (!validate({ value })) {
      problems.push(...describe(validate.errors, `${parameter.in} parameter ${parameter.name}`));
    }
  }
  return problems;
}

/** The body: present when required, JSON when the operation takes it, as its schema says. */
function bodyProblems(prepared: Prepared, found: FoundOperation, body: unknown): string[] {
  const { template, operation, verb } = found;
  const requestBody = operation.requestBody
    ? resolveRef(prepared.document, operation.requestBody)
    : undefined;
  if (!requestBody) return body === undefined ? [] : ['this operation takes no body'];
  if (body === undefined) return requestBody.required ? ['a JSON body is required'] : [];
  const media = requestBody.content?.['application/json'];
  if (!media) return ['this operation takes no JSON body'];
  if (!media.schema) return [];
  const ref =
    operation.requestBody && '$ref' in operation.requestBody
      ? `${operation.requestBody.$ref.replace(/^#/, 'qovery#')}/content/application~1json/schema`
      : `${pointer('paths', template.template, verb, 'requestBody', 'content', 'application/json')}/schema`;
  const validate = validator(prepared.validators, 'body', ref);
  return validate(body) ? [] : describe(validate.errors, 'body');
}

function checkResponse(
  prepared: Prepared,
  response: { method: string; path: string; status: number; body: unknown },
): ContractCheck {
  const { method, path, status, body } = response;
  const found = findOperation(prepared, method, path);
  if (!('operation' in found)) return { problems: [] };
  const { template, operation, verb } = found;
  const operationId = operation.operationId;
  if (status === RATE_LIMITED) return { operationId, problems: [] };
  const documented = operation.responses?.[String(status)];
  if (!documented) {
    if (status >= 400 && GENERIC_ERRORS.has(status)) return { operationId, problems: [] };
    return {
      operationId,
      problems: [`status ${status} is not documented for ${operationId ?? `${method} ${path}`}`],
    };
  }
  const answer = resolveRef(prepared.document, documented);
  if (!answer.content?.['application/json']?.schema) {
    if (status < 400 && body !== undefined && answer.content === undefined) {
      return { operationId, problems: [`status ${status} documents no body`] };
    }
    return { operationId, problems: [] };
  }
  if (body === undefined) return { operationId, problems: ['a JSON body is documented'] };
  const ref =
    '$ref' in documented
      ? `${documented.$ref.replace(/^#/, 'qovery#')}/content/application~1json/schema`
      : `${pointer('paths', template.template, verb, 'responses', String(status), 'content', 'application/json')}/schema`;
  const validate = validator(prepared.validators, 'body', ref);
  return { operationId, problems: validate(body) ? [] : describe(validate.errors, 'body') };
}
