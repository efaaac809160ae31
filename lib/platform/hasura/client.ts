import {
  ClientError,
  GraphQLClient,
  type RequestOptions,
  type TypedDocumentString,
  type Variables,
} from 'graphql-request';

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
  fetch?: typeof fetch;
}

/** Talks to Hasura's GraphQL API with the admin secret. Every request has a timeout. */
export function createHasuraClient({
  endpoint,
  adminSecret,
  timeoutMs,
  fetch,
}: HasuraClientOptions): HasuraClient {
  const client = new GraphQLClient(endpoint, {
    headers: { 'x-hasura-admin-secret': adminSecret },
    ...(fetch ? { fetch } : {}),
  });
  return {
    async request<R, V extends Variables>(
      doc: Document<R, V>,
      variables: V,
      options: { deadline?: number } = {},
    ) {
      const budget =
        options.deadline === undefined ? timeoutMs : Math.min(timeoutMs, options.deadline - Date.now());
      try {
        const signal = AbortSignal.timeout(Math.max(budget, 1));
        // graphql-request's conditional option types cannot follow a generic V: spell it out once.
        const options = { document: doc, variables, signal } as unknown as RequestOptions<V, R>;
        return await client.request<R, V>(options);
      } catch (error) {
        throw toHasuraError(error);
      }
    },
  };
}

function toHasuraError(error: unknown): unknown {
  if (!(error instanceof ClientError)) return error;
  const first = error.response.errors?.[0];
  if (!first) return new HasuraError(`Hasura answered HTTP ${error.response.status}`, 'http-error');
  const extensions = (first.extensions ?? {}) as { code?: unknown; path?: unknown };
  return new HasuraError(
    first.message,
    typeof extensions.code === 'string' ? extensions.code : 'unexpected',
    typeof extensions.path === 'string' ? extensions.path : undefined,
  );
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
