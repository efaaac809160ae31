import { installFakeAws } from './fake-aws';
import { createFakeUpstreams, type FakeUpstreams } from './fake-fetch';
import { installFakeSockets } from './fake-sockets';
import { type Scenario, scenarios } from './scenarios';

/**
 * Connects the upstreams' HTTPS connections (./fake-sockets.ts) and the AWS SDK's S3, IAM and SES
 * clients to the in-memory upstreams of the action named by BENCH_ACTION (BENCH_PASSWORD_HASH:
 * the stored hash Signin compares with). Run before the bundle is loaded.
 */
export function installFakeUpstreams(env = process.env): { scenario: Scenario; upstreams: FakeUpstreams } {
  const action = env.BENCH_ACTION ?? '';
  const scenario = scenarios(env.BENCH_PASSWORD_HASH ?? '')[action];
  if (!scenario) throw new Error(`BENCH_ACTION=${action} names no scenario`);
  const upstreams = createFakeUpstreams(scenario.hasura, scenario.qovery);
  installFakeSockets(upstreams);
  installFakeAws(upstreams);
  return { scenario, upstreams };
}
