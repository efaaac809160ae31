/**
 * In-memory upstreams: answers Hasura GraphQL requests by operationName and Qovery REST requests
 * by method and path, instantly, and records every round trip. The functions reach them over
 * HTTP/1.1 through their own client (lib/platform/http over node:https), on in-process sockets
 * (./fake-sockets.ts): what a request costs the client, from building it to parsing the answer,
 * is in the figures; the network is not.
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

export interface FakeAnswer {
  status: number;
  /** JSON text, or undefined for no body. */
  body?: string;
}

export interface FakeUpstreams {
  /**
   * The answer to one request (recorded as a round trip), in flight until `sent()`: when it is
   * written to the caller's socket (calls in flight together share a stage).
   */
  answer(method: string, url: URL, body: string | undefined): { answer: FakeAnswer; sent(): void };
  roundTrips: RoundTrip[];
  unexpected: string[];
  reset(): void;
  /** An answer from another in-memory upstream (the AWS SDK's, bench/upstream/fake-aws.ts). */
  answerOther<T>(upstream: RoundTrip['upstream'], name: string, answer: T): Promise<T>;
}

const json = (status: number, body: unknown): FakeAnswer =>
  body === undefined ? { status } : { status, body: JSON.stringify(body) };

export function createFakeUpstreams(hasura: HasuraAnswers, qovery: readonly QoveryRoute[]): FakeUpstreams {
  const state: FakeUpstreams = {
    answer: fakeAnswer,
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

  function answerHasura(body: string): FakeAnswer {
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

  function answerQovery(method: string, path: string, body: string | undefined): FakeAnswer {
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

  function fakeAnswer(method: string, url: URL, body: string | undefined) {
    let answer: FakeAnswer;
    if (url.href === HASURA_URL) answer = answerHasura(body ?? '{}');
    else if (url.origin === QOVERY_URL) answer = answerQovery(method.toUpperCase(), url.pathname, body);
    else {
      state.unexpected.push(`${method} ${url.href}`);
      answer = json(404, { detail: 'bench: in-memory upstreams only' });
    }
    inFlight++; // after it was recorded, in the stage it opened or joined
    return {
      answer,
      sent() {
        inFlight--;
      },
    };
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
