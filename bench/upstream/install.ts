import { installFakeAws } from './fake-aws';
import { createFakeUpstreams, type FakeUpstreams } from './fake-fetch';
import { type Scenario, scenarios } from './scenarios';

/**
 * Replaces the global `fetch` (and the AWS SDK's S3 and IAM clients) with the in-memory upstreams of the action named by BENCH_ACTION
 * (BENCH_PASSWORD_HASH: the stored hash Signin compares with). Run before the bundle is loaded,
 * since the functions capture `fetch` when they build their clients at cold start.
 */
export function installFakeUpstreams(env = process.env): { scenario: Scenario; upstreams: FakeUpstreams } {
  const action = env.BENCH_ACTION ?? '';
  const scenario = scenarios(env.BENCH_PASSWORD_HASH ?? '')[action];
  if (!scenario) throw new Error(`BENCH_ACTION=${action} names no scenario`);
  const upstreams = createFakeUpstreams(scenario.hasura, scenario.qovery);
  globalThis.fetch = upstreams.fetch;
  installFakeAws(upstreams);
  return { scenario, upstreams };
}
