import { statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { runChild } from '../lib/child';
import { compile } from '../lib/compile';
import { SECRET_NAMES as FUNCTION_SECRETS } from '../lib/deployed-secrets';
import { ROOT } from '../lib/paths';
import { fixed, median, summarize } from '../lib/stats';
import { FUNCTION_ENV, PASSWORD } from '../upstream/scenarios';

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
export const CANDIDATES = [
  'powertools',
  'middy-ssm',
  'sdk-only',
  'extension-client',
  'extension-http',
] as const;
/** The function whose whole cold start is measured with each candidate. */
const FULL = { name: 'createProject', action: 'CreateProject', entry: 'functions/create-project.ts' };

export interface SecretsResult {
  candidate: string;
  bundleBytes: number;
  load: number;
  read: number;
  total: { median: number; p25: number; p75: number };
  ssmCalls: number;
  /** createProject's whole cold start, spawn to answer, with its secrets read by this candidate. */
  full: { median: number; p25: number; p75: number };
}

/** SSM's JSON 1.1 API (GetParameters, GetParameter) and the extension's local GET, on loopback. */
function fakeSsm() {
  let calls = 0;
  // The bench's own values where it has them, so that a function can run on what it reads.
  const value = (name: string) => FUNCTION_ENV[name.slice(name.lastIndexOf('/') + 1)] ?? `value-of-${name}`;
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
  const coldChild = await compile('bench/children/cold.ts', options.work.path('children', 'cold.js'));
  const fullBundle = await compile(FULL.entry, options.work.path('secrets-function', `${FULL.name}.js`), {
    deployed: true,
  });
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
    BENCH_EXTENSION_PORT: new URL(url).port,
  };
  // The function's environment but its secrets, which the candidate reads first (bench/children/cold.ts).
  const fullEnv = {
    ...Object.fromEntries(Object.entries(FUNCTION_ENV).filter(([name]) => !FUNCTION_SECRETS.includes(name))),
    ...env,
    BENCH_ACTION: FULL.action,
    BENCH_PASSWORD_HASH: bcrypt.hashSync(PASSWORD, 10),
  };
  const full = new Map<string, number[]>();
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
        const whole = await runChild<{ status?: number; body?: string }>(
          [coldChild, fullBundle, bundles.get(candidate) ?? '', FUNCTION_SECRETS.join(',')],
          fullEnv,
        );
        if (whole.result.status !== 200)
          throw new Error(`${FULL.name} with ${candidate}: ${whole.result.status} ${whole.result.body}`);
        if (round >= 2) full.set(candidate, [...(full.get(candidate) ?? []), whole.answerMs]);
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
    const whole = summarize(full.get(candidate) ?? []);
    return {
      full: { median: whole.median, p25: whole.p25, p75: whole.p75 },
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
      `| ${r.candidate} | ${fixed(r.bundleBytes / 1000, 1)} KB | ${fixed(r.load)} ms | ${fixed(r.read)} ms | **${fixed(r.total.median)} ms** (${fixed(r.total.p25)}–${fixed(r.total.p75)}) | ${r.ssmCalls} | **${fixed(r.full.median)} ms** (${fixed(r.full.p25)}–${fixed(r.full.p75)}) |`,
  );
  return `## 6. Secrets read at cold start

The ${SECRET_NAMES.length} SecureString parameters of a project function read once by a fresh \`node\`, per candidate:
its bundle built like the functions (AWS SDK external), against a fake SSM endpoint on loopback
(so SSM's own latency in a region comes on top). Medians of ${runs} runs, interleaved. "Load" is
\`import\` of the bundle; "read" the first read (for the SDK-based ones: loading the SDK, the
client, credentials, SigV4 signing, one HTTP call, parsing). "Whole cold start": ${FULL.name}'s,
spawn to answer (bench/children/cold.ts, its in-memory upstreams), the candidate reading its
secrets first (${FUNCTION_SECRETS.length} parameters), then the function loaded and invoked.
The functions use **extension-http** (lib/platform/secrets.ts; before: powertools).

| Candidate | Bundle | Load | Read | Total (p25–p75) | HTTP calls | Whole cold start of ${FULL.name} (p25–p75) |
| --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}

extension-client and extension-http are only the function's side of the Parameters and Secrets
Lambda extension (one local GET per parameter, no SDK), over Node's fetch (undici) and over
node:http (lib/platform/http) respectively: the extension's own process start (during the
environment's init, beside the function's) and its SSM call (one per parameter, in the region,
cached for SSM_PARAMETER_STORE_TTL) happen inside Lambda and cannot be measured here.
`;
}
