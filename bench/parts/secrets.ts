import { statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { runChild } from '../lib/child';
import { compile } from '../lib/compile';
import { ROOT } from '../lib/paths';
import { fixed, median, summarize } from '../lib/stats';

/**
 * Part 6: the secrets read at cold start, per candidate library (bench/secrets/*.ts), apart from
 * the functions' own cold start (which reads no secret in parts 2 and 3: there they come from the
 * environment). A fresh `node` per run loads one candidate's bundle (built like the functions, the
 * AWS SDK external and resolved from node_modules as Lambda resolves it from its runtime) and reads
 * the four secrets of a project function from a fake SSM endpoint on loopback, decrypted.
 * What it measures is the library's and the SDK's cost on our side (load, client, credentials,
 * SigV4 signing, HTTP, parsing); SSM's own latency in a region (a few ms to tens of ms) comes on top.
 */

export const SECRET_NAMES = [
  'HASURA_GRAPHQL_ADMIN_SECRET',
  'ACTIONS_SECRET',
  'QOVERY_API_TOKEN',
  'HASURA_GRAPHQL_JWT_SECRET',
];
export const CANDIDATES = ['powertools', 'middy-ssm', 'sdk-only', 'extension-client'] as const;

export interface SecretsResult {
  candidate: string;
  bundleBytes: number;
  load: number;
  read: number;
  total: { median: number; p25: number; p75: number };
  ssmCalls: number;
}

/** SSM's JSON 1.1 API (GetParameters, GetParameter) and the extension's local GET, on loopback. */
function fakeSsm() {
  let calls = 0;
  const value = (name: string) => `value-of-${name}`;
  const parameter = (name: string) => ({ Name: name, Type: 'SecureString', Value: value(name), Version: 1 });
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      calls++;
      const send = (status: number, json: unknown) => {
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify(json));
      };
      const target = request.headers['x-amz-target'];
      if (request.method === 'GET' && request.url?.startsWith('/systemsmanager/parameters/get')) {
        const name = new URL(request.url, 'http://x').searchParams.get('name') ?? '';
        return send(200, { Parameter: parameter(name) });
      }
      const input = JSON.parse(body || '{}') as { Names?: string[]; Name?: string };
      if (target === 'AmazonSSM.GetParameters')
        return send(200, { Parameters: (input.Names ?? []).map(parameter), InvalidParameters: [] });
      if (target === 'AmazonSSM.GetParameter') return send(200, { Parameter: parameter(input.Name ?? '') });
      return send(400, { __type: 'UnknownOperationException', message: String(target) });
    });
  });
  return {
    listen: () =>
      new Promise<string>((resolve) =>
        server.listen(0, '127.0.0.1', () =>
          resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
        ),
      ),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    calls: () => calls,
  };
}

export async function measureSecrets(options: {
  work: { path: (...parts: string[]) => string };
  runs: number;
  progress?: (message: string) => void;
}): Promise<SecretsResult[]> {
  const child = await compile('bench/children/secrets.ts', options.work.path('children', 'secrets.js'));
  const bundles = new Map<string, string>();
  for (const candidate of CANDIDATES)
    bundles.set(
      candidate,
      await compile(
        join('bench', 'secrets', `${candidate}.ts`),
        options.work.path('secrets', `${candidate}.js`),
        {
          deployed: true,
        },
      ),
    );
  const ssm = fakeSsm();
  const url = await ssm.listen();
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    // As in Lambda: the SDK comes from the runtime's node_modules, credentials from the environment.
    NODE_PATH: join(ROOT, 'node_modules'),
    AWS_REGION: 'eu-west-3',
    AWS_ACCESS_KEY_ID: 'ASIABENCHBENCHBENCH1',
    AWS_SECRET_ACCESS_KEY: 'bench-secret-access-key-bench-secret-acc',
    AWS_SESSION_TOKEN: 'bench-session-token',
    AWS_ENDPOINT_URL_SSM: url,
    BENCH_EXTENSION_URL: url,
  };
  const samples = new Map<string, { load: number; read: number; total: number }[]>();
  const callsBefore = new Map<string, number>();
  const callsPerRun = new Map<string, number>();
  try {
    for (let round = 0; round < options.runs + 2; round++) {
      for (const candidate of CANDIDATES) {
        callsBefore.set(candidate, ssm.calls());
        const { result } = await runChild<{ loadMs: number; readMs: number; values: string[] }>(
          [child, bundles.get(candidate) ?? '', SECRET_NAMES.join(',')],
          env,
        );
        callsPerRun.set(candidate, ssm.calls() - (callsBefore.get(candidate) ?? 0));
        if (result.values.length !== SECRET_NAMES.length)
          throw new Error(
            `${candidate} read ${result.values.join(', ')} instead of ${SECRET_NAMES.join(', ')}`,
          );
        if (round >= 2)
          samples.set(candidate, [
            ...(samples.get(candidate) ?? []),
            { load: result.loadMs, read: result.readMs, total: result.loadMs + result.readMs },
          ]);
      }
    }
  } finally {
    await ssm.close();
  }
  options.progress?.(`secrets: ${options.runs} runs × ${CANDIDATES.length} candidates`);
  return CANDIDATES.map((candidate) => {
    const runs = samples.get(candidate) ?? [];
    const total = summarize(runs.map((r) => r.total));
    return {
      candidate,
      bundleBytes: statSync(bundles.get(candidate) ?? '').size,
      load: median(runs.map((r) => r.load)),
      read: median(runs.map((r) => r.read)),
      total: { median: total.median, p25: total.p25, p75: total.p75 },
      ssmCalls: callsPerRun.get(candidate) ?? 0,
    };
  });
}

export function renderSecrets(results: SecretsResult[], runs: number): string {
  const rows = results.map(
    (r) =>
      `| ${r.candidate} | ${fixed(r.bundleBytes / 1000, 1)} KB | ${fixed(r.load)} ms | ${fixed(r.read)} ms | **${fixed(r.total.median)} ms** (${fixed(r.total.p25)}–${fixed(r.total.p75)}) | ${r.ssmCalls} |`,
  );
  return `## 6. Secrets read at cold start

Four SecureString parameters (a project function's) read once by a fresh \`node\`, per candidate:
its bundle built like the functions (AWS SDK external), against a fake SSM endpoint on loopback
(so SSM's own latency in a region comes on top). Medians of ${runs} runs, interleaved. "Load" is
\`require\` of the bundle; "read" the first read (for the SDK-based ones: loading the SDK, the
client, credentials, SigV4 signing, one HTTP call, parsing). The functions use **powertools**.

| Candidate | Bundle | Load | Read | Total (p25–p75) | HTTP calls |
| --- | --- | --- | --- | --- | --- |
${rows.join('\n')}

extension-client is only the function's side of the Parameters and Secrets Lambda extension (one
local GET per parameter, no SDK): the extension's own process start and its SSM call, which happen
inside the Lambda environment, cannot be measured here.
`;
}
