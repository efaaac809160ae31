// Hasura's error model (`Hasura.Base.Error`): a code, a message, a JSON path and optional extra
// data. On /v1/graphql every error is answered with HTTP 200 as
// `{"errors":[{"message","extensions":{"path","code"}}]}`; `internal` details are only shown to
// admins, and a webhook's own `extensions` object replaces path and code verbatim.

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface GraphQLErrorBody {
  message: string;
  extensions: JsonObject;
}

export class HasuraError extends Error {
  readonly code: string;
  readonly path: string;
  /** Replaces `{path, code}` in the client's `extensions` (action 4xx answers with `extensions`). */
  readonly extensions: JsonObject | undefined;
  /** Debugging details Hasura shows to admins only (`extensions.internal`). */
  readonly internal: JsonValue | undefined;

  constructor(
    code: string,
    message: string,
    options: { path?: string; extensions?: JsonObject; internal?: JsonValue } = {},
  ) {
    super(message);
    this.name = 'HasuraError';
    this.code = code;
    this.path = options.path ?? '$';
    this.extensions = options.extensions;
    this.internal = options.internal;
  }

  withPath(path: string): HasuraError {
    return new HasuraError(this.code, this.message, {
      path,
      ...(this.extensions ? { extensions: this.extensions } : {}),
      ...(this.internal !== undefined ? { internal: this.internal } : {}),
    });
  }

  toGraphQL(includeInternal: boolean): GraphQLErrorBody {
    if (this.extensions) return { message: this.message, extensions: this.extensions };
    const extensions: JsonObject = { path: this.path, code: this.code };
    if (includeInternal && this.internal !== undefined) extensions.internal = this.internal;
    return { message: this.message, extensions };
  }
}

export const validationFailed = (message: string, path = '$'): HasuraError =>
  new HasuraError('validation-failed', message, { path });

export function isHasuraError(value: unknown): value is HasuraError {
  return value instanceof HasuraError;
}

/** Builds a JSON path the way Hasura's `encodeJSONPath` does: `$.a.b[0]`, `$['odd key']`. */
export function jsonPath(parts: ReadonlyArray<string | number>): string {
  let out = '$';
  for (const part of parts) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(part)) out += `.${part}`;
    else out += `['${part}']`;
  }
  return out;
}

/** PGlite's errors come from another realm under jest: recognise them by shape, not by class. */
export interface PostgresErrorLike {
  code: string;
  message: string;
  detail?: string;
  constraint?: string;
}

export function isPostgresError(value: unknown): value is PostgresErrorLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'string' &&
    /^[0-9A-Z]{5}$/.test((value as { code: string }).code) &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}

/**
 * Hasura's `mkTxErrorHandler` for DML: integrity violations, data exceptions and a few syntax
 * errors become client errors with a prefixed message; anything else is `database query error`.
 */
export function fromPostgresError(error: PostgresErrorLike, path = '$'): HasuraError {
  const { code, message } = error;
  const internal: JsonObject = { error: { message, status_code: code } };
  if (error.detail) (internal.error as JsonObject).description = error.detail;
  const make = (hasuraCode: string, text: string) => new HasuraError(hasuraCode, text, { path, internal });
  switch (code) {
    case '23001':
      return make('constraint-violation', `Can not delete or update due to data being referred. ${message}`);
    case '23502':
      return make('constraint-violation', `Not-NULL violation. ${message}`);
    case '23503':
      return make('constraint-violation', `Foreign key violation. ${message}`);
    case '23505':
      return make('constraint-violation', `Uniqueness violation. ${message}`);
    case '23514':
      return make('permission-error', `Check constraint violation. ${message}`);
    case '23P01':
      return make('constraint-violation', `Exclusion violation. ${message}`);
    case '22025':
      return make('bad-request', message);
    case '42P10':
      return make('constraint-error', 'there is no unique or exclusion constraint on target column(s)');
    case '42704':
      return make('constraint-error', message);
    case '40001':
      return make('concurrent-update', 'serialization failure due to concurrent update');
  }
  if (code.startsWith('23')) return make('constraint-violation', message);
  if (code.startsWith('22')) return make('data-exception', message);
  if (code.startsWith('40')) return make('concurrent-update', message);
  return new HasuraError('unexpected', 'database query error', { path, internal });
}
