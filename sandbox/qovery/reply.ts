/**
 * What a handler answers: a `Reply`, or an `HttpProblem` thrown, which the HTTP layer turns into
 * Qovery's error body `{status, detail}`.
 */

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A refusal, as Qovery answers it: the status and a one-line reason. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(detail);
  }
}

export function problem(status: number, detail: string): Reply {
  return { status, body: { status, detail } };
}

/** The body as a JSON object whose `required` fields are non-empty strings, or a 400. */
export function requestBody<T>(body: unknown, required: string[]): T {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new HttpProblem(400, 'A JSON object body is required');
  }
  for (const key of required) {
    const value = (body as Record<string, unknown>)[key];
    if (typeof value !== 'string' || value.trim() === '') throw new HttpProblem(400, `${key} is required`);
  }
  return body as T;
}
