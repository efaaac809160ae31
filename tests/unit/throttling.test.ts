import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { SECRET_HEADER } from '../../lib/action/handler';
import { EnvReader } from '../../lib/basics/settings';
import type { ReconcileSummary } from '../../lib/instances/reconciler';
import { readQovery } from '../../lib/instances/settings';
import { handleWebhook } from '../../lib/instances/webhook';
import { memoryLogger } from '../helpers/lambda';

/**
 * serverless.yml's gate in front of the handlers ("What stops a stranger" there): every route has
 * a Lambda authorizer on the header its only caller sends its secret in, and API Gateway's
 * throttles are safety nets at least as large as what each function's reserved concurrency can
 * serve, never a budget one caller can spend for everyone.
 */
const ROOT = resolve(__dirname, '../..');

interface Throttle {
  ThrottlingRateLimit: number;
  ThrottlingBurstLimit: number;
}
interface HttpApiEvent {
  method: string;
  path: string;
  authorizer?: string | { name: string };
}
interface Authorizer {
  type: string;
  functionName: string;
  identitySource: string | string[];
  enableSimpleResponses?: boolean;
  payloadVersion?: string;
  resultTtlInSeconds?: number;
}
const serverless = parseYaml(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')) as {
  provider: { httpApi: { authorizers: Record<string, Authorizer> } };
  functions: Record<
    string,
    {
      handler: string;
      reservedConcurrency?: number;
      events?: { httpApi?: HttpApiEvent; schedule?: unknown }[];
    }
  >;
  resources: {
    extensions: {
      HttpApiStage: {
        DependsOn: string[];
        Properties: { DefaultRouteSettings: Throttle; RouteSettings: Record<string, Throttle> };
      };
    };
  };
};

/** The shortest typical answer of a function: a refused or queued call, one to five Hasura round trips. */
const SHORTEST_ANSWER_SECONDS = 0.1;
/** No route's limit is below this: reaching any takes a flood, not a caller's habit. */
const MIN_RATE_PER_SECOND = 10;
/** Routes that may stay open to anyone: none (every caller has a secret to send). */
const UNGUARDED_ROUTES: string[] = [];

const { authorizers } = serverless.provider.httpApi;
const stage = serverless.resources.extensions.HttpApiStage;
const routes = Object.entries(serverless.functions).flatMap(([fn, { events, reservedConcurrency }]) =>
  (events ?? []).flatMap(({ httpApi }) =>
    httpApi ? [{ fn, key: `${httpApi.method} ${httpApi.path}`, event: httpApi, reservedConcurrency }] : [],
  ),
);
const authorizerOf = (event: HttpApiEvent) =>
  typeof event.authorizer === 'string' ? event.authorizer : event.authorizer?.name;
const throttleOf = (route: string): Throttle =>
  stage.Properties.RouteSettings[route] ?? stage.Properties.DefaultRouteSettings;
/** The header an authorizer's identity source names, lower case. */
const headerOf = (authorizer: Authorizer | undefined) => {
  const sources = [authorizer?.identitySource ?? []].flat();
  expect(sources).toHaveLength(1);
  return /^\$request\.header\.([\w-]+)$/.exec(sources[0] ?? '')?.[1]?.toLowerCase();
};

describe('who may reach a handler', () => {
  it('has routes to check', () => {
    expect(routes.length).toBeGreaterThan(15);
  });

  it.each(routes.filter((r) => !UNGUARDED_ROUTES.includes(r.key)).map((r) => [r.key, r] as const))(
    '%s has an authorizer',
    (_key, { event }) => {
      // Named as an object: serverless-offline takes a bare name for a JWT authorizer and fails.
      expect(event.authorizer).toEqual({ name: expect.any(String) });
      expect(authorizers[authorizerOf(event) ?? '']).toBeDefined();
    },
  );

  it('guards every action route with the shared secret Hasura sends', () => {
    const actions = routes.filter((r) => r.key !== 'POST /qovery-webhook');
    for (const { event } of actions) expect(authorizerOf(event)).toBe('actionsSecret');
    expect(headerOf(authorizers.actionsSecret)).toBe(SECRET_HEADER);
  });

  it("guards Qovery's webhook with the header its handler reads the secret from", async () => {
    const route = routes.find((r) => r.key === 'POST /qovery-webhook');
    const header = headerOf(authorizers[authorizerOf(route?.event as HttpApiEvent) ?? '']);
    const secret = 'test-qovery-webhook-secret-0123';
    const reconciler = { run: async () => ({ checked: 0, changed: 0 }) as ReconcileSummary };
    const answer = await handleWebhook(
      { secret, reconciler, log: memoryLogger().log },
      { headers: { [header ?? '']: secret }, body: '{}' },
      Date.now() + 1000,
    );
    expect(answer.statusCode).toBe(202);
  });

  it.each(Object.entries(authorizers))(
    '%s: a Lambda REQUEST authorizer of its own function, simple responses, answers cached',
    (_name, authorizer) => {
      expect(authorizer).toMatchObject({
        type: 'request',
        enableSimpleResponses: true,
        payloadVersion: '2.0',
      });
      // Cached by the header's value; short enough that a rotated secret is taken within minutes.
      expect(authorizer.resultTtlInSeconds).toBeGreaterThan(0);
      expect(authorizer.resultTtlInSeconds).toBeLessThanOrEqual(300);
      const fn = serverless.functions[authorizer.functionName];
      expect(fn?.handler).toMatch(/^functions\/[\w-]+-authorizer\.handler$/);
      // Invoked by API Gateway only; its concurrency reserved, so a flood of guesses cannot take
      // the account's unreserved concurrency from the other functions.
      expect(fn?.events).toEqual([]);
      expect(fn?.reservedConcurrency).toBeGreaterThan(0);
    },
  );
});

describe('throttles as safety nets', () => {
  it.each(routes.filter((r) => r.reservedConcurrency !== undefined).map((r) => [r.key, r] as const))(
    '%s lets through at least what its reserved concurrency can serve',
    (key, { reservedConcurrency = 0 }) => {
      const throttle = throttleOf(key);
      expect(throttle.ThrottlingRateLimit).toBeGreaterThanOrEqual(
        reservedConcurrency / SHORTEST_ANSWER_SECONDS,
      );
      expect(throttle.ThrottlingBurstLimit).toBeGreaterThanOrEqual(reservedConcurrency);
    },
  );

  it.each(routes.map((r) => [r.key] as const))(
    `%s allows at least ${MIN_RATE_PER_SECOND} calls a second`,
    (key) => {
      expect(throttleOf(key).ThrottlingRateLimit).toBeGreaterThanOrEqual(MIN_RATE_PER_SECOND);
      expect(throttleOf(key).ThrottlingBurstLimit).toBeGreaterThanOrEqual(MIN_RATE_PER_SECOND);
    },
  );

  it('names only routes that exist, each after its route is created', () => {
    const logicalId = (route: string) =>
      `HttpApiRoute${route
        .split(/[ /]+/)
        .map((part) => part.charAt(0).toUpperCase() + part.slice(1).toLowerCase().replace(/-/g, 'Dash'))
        .join('')}`;
    for (const route of Object.keys(stage.Properties.RouteSettings)) {
      expect(routes.map((r) => r.key)).toContain(route);
      expect(stage.DependsOn).toContain(logicalId(route));
    }
  });

  it('reserves for every project function more than one user can hold at once', () => {
    const { maxProjectsPerUser } = readQovery(
      new EnvReader({ ...process.env, MAX_PROJECTS_PER_USER: undefined }),
    );
    for (const fn of ['createProject', 'startProject', 'stopProject', 'deleteProject'])
      expect(serverless.functions[fn]?.reservedConcurrency).toBeGreaterThan(maxProjectsPerUser);
  });
});
