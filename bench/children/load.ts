/**
 * One autocannon run, in its own process so that the load generator does not share an event loop
 * with the Hasura stand-in. Usage: node load.js '<json LoadSpec>'; one JSON line on fd 3.
 */
import { writeSync } from 'node:fs';
import autocannon from 'autocannon';

export interface LoadSpec {
  url: string;
  headers: Record<string, string>;
  body: string;
  connections: number;
  seconds: number;
}

export interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  /** Connection errors and timeouts. */
  errors: number;
  non2xx: number;
  /** HTTP 200 answers of /v1/graphql that carry `errors`. */
  graphqlErrors: number;
  firstFailure?: string;
}

async function main() {
  const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
  let graphqlErrors = 0;
  let firstFailure: string | undefined;
  const result = await autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.seconds,
    timeout: 30,
    requests: [
      {
        method: 'POST',
        headers: spec.headers,
        body: spec.body,
        onResponse: (status, body) => {
          const failed = status < 200 || status > 299 || body.includes('"errors"');
          if (status === 200 && body.includes('"errors"')) graphqlErrors++;
          if (failed && firstFailure === undefined) firstFailure = `${status} ${body.slice(0, 300)}`;
        },
      },
    ],
  });
  const answer: LoadResult = {
    requests: result.requests.total,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    graphqlErrors,
    firstFailure,
  };
  writeSync(3, `${JSON.stringify(answer)}\n`);
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
