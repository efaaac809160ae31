import type { TypedDocumentString, Variables } from 'graphql-request';
import type { HttpFetch } from '../http/fetch';

/** A named GraphQL operation with its result and variables types (generated.ts, see documents.ts). */
export type Document<R, V extends Variables> = TypedDocumentString<R, V>;

/** A document built at run time (documents.ts's MoveProjects), typed by its builder. */
export function document<R, V extends Variables = Record<string, never>>(source: string): Document<R, V> {
  return source as unknown as Document<R, V>;
}

/** A GraphQL error answered by Hasura, with Hasura's `extensions.code` (e.g. constraint-violation). */
export class HasuraError extends Error {
  override readonly name = 'HasuraError';
  constructor(
    message: string,
    readonly code: string,
    readonly path?: string,
  ) {
    super(message);
  }
}

export interface HasuraClient {
  request<R, V extends Variables>(
    doc: Document<R, V>,
    variables: V,
    options?: { deadline?: number },
  ): Promise<R>;
}

export interface HasuraClientOptions {
  endpoint: string;
  adminSecret: string;
  timeoutMs: number;
  /** lib/platform/http's in the functions (no undici at cold start); the global fetch by default. */
  fetch?: HttpFetch;
}

/**
 * Talks to Hasura's GraphQL API with the admin secret. Every request has a timeout.
 *
 * One POST of `{ query, variables, operationName }` (the GraphQL-over-HTTP request graphql-request
 * sent for us before): graphql-request builds `Headers` whatever `fetch` it is given, which loads
 * undici at cold start, and needs a GraphQL parser only to find the operation's name, which our
 * documents (generated.ts, documents.ts) all start with.
 */
export function createHasuraClient({
  endpoint,
  adminSecret,
  timeoutMs,
  fetch = globalThis.fetch,
}: HasuraClientOptions): HasuraClient {
  const headers = {
    accept: 'application/graphql-response+json, application/json',
    'content-type': 'application/json',
    'x-hasura-admin-secret': adminSecret,
  };
  return {
    async request<R, V extends Variables>(
      doc: Document<R, V>,
      variables: V,
      options: { deadline?: number } = {},
    ) {
      const budget =
        options.deadline === undefined ? timeoutMs : Math.min(timeoutMs, options.deadline - Date.now());
      const query = String(doc);
      const response = await fetch(endpoint, {
        method: 'POST',
        headers,
        body: JSON.stringify({ query, variables, operationName: operationName(query) }),
        signal: AbortSignal.timeout(Math.max(budget, 1)),
      });
      return toResult<R>(response.status, await response.text());
    },
  };
}

/** The name of a document's first operation (`query Name`, `mutation Name(...)`), if it has one. */
export function operationName(query: string): string | undefined {
  return /^\s*(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/.exec(query)?.[1];
}

type GraphQLAnswer = { data?: unknown; errors?: { message?: unknown; extensions?: unknown }[] };

/** Hasura's answer: its data, or a HasuraError for its first error, or for an HTTP failure. */
function toResult<R>(status: number, text: string): R {
  let answer: GraphQLAnswer | undefined;
  try {
    answer = JSON.parse(text) as GraphQLAnswer;
  } catch {
    answer = undefined;
  }
  const first = Array.isArray(answer?.errors) ? answer.errors[0] : undefined;
  if (first) {
    const extensions = (first.extensions ?? {}) as { code?: unknown; path?: unknown };
    throw new HasuraError(
      String(first.message),
      typeof extensions.code === 'string' ? extensions.code : 'unexpected',
      typeof extensions.path === 'string' ? extensions.path : undefined,
    );
  }
  if (status < 200 || status >= 300 || answer === null || typeof answer !== 'object' || !('data' in answer))
    throw new HasuraError(`Hasura answered HTTP ${status}`, 'http-error');
  return answer.data as R;
}

/** True when Hasura refused a write because of the named unique constraint. */
export function isUniquenessViolation(error: unknown, constraint: string): boolean {
  return (
    error instanceof HasuraError &&
    error.code === 'constraint-violation' &&
    error.message.startsWith('Uniqueness violation.') &&
    error.message.includes(constraint)
  );
}
