/**
 * In-memory upstreams: a `fetch` that answers Hasura GraphQL requests by operationName and
 * Qovery REST requests by method and path, instantly, with real `Response` objects (as undici's
 * fetch would), and records every round trip.
 *
 * A request that no canned answer covers is recorded as unexpected and answered with an error,
 * so a handler that took another path than the scenario expects fails the bench loudly.
 */

export const HASURA_URL = 'https://hasura.bench.invalid/v1/graphql';
export const QOVERY_URL = 'https://qovery.bench.invalid';

export type HasuraAnswers = Record<string, (variables: Record<string, unknown>) => unknown>;

export interface QoveryRoute {
  /** `METHOD /path/{id}/…`: each `{name}` matches one path segment. */
  route: string;
  status: number;
  /** The JSON body to answer (undefined: no body), from the request's body and path parameters. */
  answer: (body: unknown, params: string[]) => unknown;
}

export interface RoundTrip {
  upstream: 'hasura' | 'qovery' | 'aws';
  /** The GraphQL operationName, or `METHOD /path` with ids replaced by `{id}`. */
  name: string;
  /** Sequential stage: calls made while another is in flight share a stage. */
  stage: number;
}

export interface FakeUpstreams {
  fetch: typeof fetch;
  roundTrips: RoundTrip[];
  unexpected: string[];
  reset(): void;
  /** An answer from another in-memory upstream (the AWS SDK's, bench/upstream/fake-aws.ts). */
  answerOther<T>(upstream: RoundTrip['upstream'], name: string, answer: T): Promise<T>;
}

const json = (status: number, body: unknown) =>
  body === undefined
    ? new Response(null, { status })
    : new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

export function createFakeUpstreams(hasura: HasuraAnswers, qovery: readonly QoveryRoute[]): FakeUpstreams {
  const state: FakeUpstreams = {
    fetch: fakeFetch as typeof fetch,
    roundTrips: [],
    unexpected: [],
    reset() {
      state.roundTrips = [];
      state.unexpected = [];
      stage = 0;
    },
    answerOther(upstream, name, answer) {
      record(upstream, name);
      return settle(Promise.resolve(answer));
    },
  };
  let inFlight = 0;
  let stage = 0;

  function record(upstream: RoundTrip['upstream'], name: string) {
    if (inFlight === 0) stage++;
    state.roundTrips.push({ upstream, name, stage });
  }

  function answerHasura(body: string): Response {
    const request = JSON.parse(body) as { operationName?: string; variables?: Record<string, unknown> };
    const name = request.operationName ?? '(no operationName)';
    record('hasura', name);
    const answer = hasura[name];
    if (!answer) {
      state.unexpected.push(`Hasura ${name}`);
      return json(200, {
        errors: [{ message: `bench: no answer for ${name}`, extensions: { code: 'bench' } }],
      });
    }
    return json(200, { data: answer(request.variables ?? {}) });
  }

  const routes = qovery.map((route) => {
    const [method, template = ''] = route.route.split(' ');
    const pattern = template.replace(/\{[^}]+\}/g, '([^/]+)');
    return { ...route, method, pattern: new RegExp(`^${pattern}$`) };
  });

  function answerQovery(method: string, path: string, body: string | undefined): Response {
    for (const route of routes) {
      const match = route.method === method ? route.pattern.exec(path) : null;
      if (!match) continue;
      record('qovery', route.route);
      const params = match.slice(1).map(decodeURIComponent);
      return json(route.status, route.answer(body === undefined ? undefined : JSON.parse(body), params));
    }
    record('qovery', `${method} ${path}`);
    state.unexpected.push(`Qovery ${method} ${path}`);
    return json(404, { status: 404, detail: 'bench: no answer' });
  }

  function fakeFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const body = typeof init.body === 'string' ? init.body : undefined;
    const method = (init.method ?? 'GET').toUpperCase();
    let response: Response;
    if (url.href === HASURA_URL) response = answerHasura(body ?? '{}');
    else if (url.origin === QOVERY_URL) response = answerQovery(method, url.pathname, body);
    else return Promise.reject(new TypeError(`bench: no fetch of ${url.href} (in-memory upstreams only)`));
    return settle(Promise.resolve(response));
  }

  /** Counts the call in flight until it is answered (calls in flight together share a stage). */
  function settle<T>(answered: Promise<T>): Promise<T> {
    inFlight++;
    void answered.then(() => {
      inFlight--;
    });
    return answered;
  }

  return state;
}
