import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ROUND_TRIPS } from '../../lib/instances/instances';

/**
 * serverless.yml's API Gateway throttling and reserved concurrency: every tenant shares one
 * Qovery token (about 1000 requests an hour), so our ceilings must say no before Qovery does.
 */
const ROOT = resolve(__dirname, '../..');
const serverless = parseYaml(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')) as {
  functions: Record<
    string,
    { reservedConcurrency?: number; events: { httpApi: { method: string; path: string } }[] }
  >;
  resources: {
    extensions: {
      HttpApiStage: {
        Properties: {
          DefaultRouteSettings: { ThrottlingRateLimit: number; ThrottlingBurstLimit: number };
          RouteSettings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }>;
        };
      };
    };
  };
};

const QOVERY_REQUESTS_PER_HOUR = 1000;
/** Worst-case Qovery calls of one invocation (README "Round trips per action"). */
const QOVERY_CALLS: Record<string, number> = {
  // A complete instance from the blueprint, and the clean-up delete of a failure.
  createProject: ROUND_TRIPS.provisionBlueprint + ROUND_TRIPS.cleanupAfterFailure,
  startProject: 2,
  stopProject: 2,
  deleteProject: 2,
  projectStatus: 2,
  // ProjectStatus's two, then e-mail turned on once the seat is taken (a variable, a deploy).
  claimConsole: 4,
  // DeleteProject's path for each of at most MAX_PROJECTS_PER_USER (3) projects.
  deleteAccount: 3 * 2,
};

const stage = serverless.resources.extensions.HttpApiStage.Properties;
const routeOf = (fn: string) => {
  const event = serverless.functions[fn]?.events[0]?.httpApi;
  return `${event?.method} ${event?.path}`;
};

describe('throttling in front of Qovery', () => {
  it.each(Object.keys(QOVERY_CALLS))('throttles %s and reserves at least its burst of concurrency', (fn) => {
    const settings = stage.RouteSettings[routeOf(fn)];
    expect(settings?.ThrottlingRateLimit).toBeGreaterThan(0);
    expect(settings?.ThrottlingBurstLimit).toBeGreaterThan(0);
    expect(serverless.functions[fn]?.reservedConcurrency).toBeGreaterThanOrEqual(
      settings?.ThrottlingBurstLimit ?? 0,
    );
  });

  it("keeps the worst hour of every Qovery-facing route, bursts included, well under Qovery's limit", () => {
    const worstHour = Object.entries(QOVERY_CALLS).reduce((sum, [fn, calls]) => {
      const settings = stage.RouteSettings[routeOf(fn)];
      if (!settings) throw new Error(`no throttling for ${fn}`);
      return sum + (settings.ThrottlingRateLimit * 3600 + settings.ThrottlingBurstLimit) * calls;
    }, 0);
    // A fifth is left for the reconciler and retries.
    expect(worstHour).toBeLessThanOrEqual(QOVERY_REQUESTS_PER_HOUR * 0.8);
  });

  it('throttles every other route too, and names only routes that exist', () => {
    expect(stage.DefaultRouteSettings.ThrottlingRateLimit).toBeGreaterThan(0);
    const routes = Object.keys(serverless.functions).map(routeOf);
    for (const route of Object.keys(stage.RouteSettings)) expect(routes).toContain(route);
  });
});
