import { runChild } from '../lib/child';
import type { FunctionSpec } from '../lib/serverless-config';
import { median, type Summary, summarize } from '../lib/stats';
import type { RoundTrip } from '../upstream/fake-fetch';
import { FUNCTION_ENV, type Scenario } from '../upstream/scenarios';

/**
 * Part 2 — cold start: a fresh `node` process loads a bundle and serves one invocation against
 * the in-memory upstreams; timed from just before spawn to the answer reaching the parent. Every
 * function is compared with the constant-handler baseline and, to tell our code's cost from the
 * work the action cannot avoid (Node's fetch, bcrypt, crypto), with the bundle of its bare
 * hand-written handler (bench/bare/handlers.ts). Runs are interleaved: A B C A B C …
 */

export interface ColdChildResult {
  status?: number;
  body?: string;
  /** From process start to the bundle's require (node's own boot). */
  bootMs: number;
  /** require() of the bundle: parse, compile, module init (config, clients). */
  loadMs: number;
  /** The first invocation, until the handler resolved. */
  invokeMs: number;
  roundTrips: RoundTrip[];
  unexpected: string[];
}

export interface Contender {
  label: string;
  spawnToAnswer: Summary;
  load: number;
  invoke: number;
}

export interface ColdStart {
  fn: FunctionSpec;
  function: Contender;
  /** The function as deployed: its secrets read through the Parameters and Secrets extension. */
  withSecrets: Contender;
  baseline: Contender;
  bare: Contender;
  /** median(with secrets) − median(baseline); median(with secrets) − median(function). */
  addedWithSecretsMs: number;
  secretsMs: number;
  /** median(function) − median(baseline), and their ratio. */
  addedMs: number;
  ratio: number;
  /** median(function) − median(bare handler bundle). */
  addedOverBareMs: number;
  /** Round trips of the deployed bundle's invocation (part 5). */
  roundTrips: RoundTrip[];
}

export interface ColdStartOptions {
  runs: number;
  warmupRuns: number;
  coldChild: string;
  constantBaseline: string;
  /** The bundle of this action's bare handler. */
  bareBundle: string;
  passwordHash: string;
  /**
   * The environment of the function as deployed, secrets excepted (SECRETS_SSM_PATH, the port of
   * the extension's stand-in, the session token), and the names to remove from FUNCTION_ENV.
   */
  deployed: { env: Record<string, string>; secrets: readonly string[] };
  progress?: (message: string) => void;
}

export async function measureColdStart(
  fn: FunctionSpec,
  bundle: string,
  scenario: Scenario,
  options: ColdStartOptions,
): Promise<ColdStart> {
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    ...FUNCTION_ENV,
    BENCH_ACTION: scenario.action,
    BENCH_PASSWORD_HASH: options.passwordHash,
  };
  const deployedEnv = {
    ...Object.fromEntries(Object.entries(env).filter(([name]) => !options.deployed.secrets.includes(name))),
    ...options.deployed.env,
  };
  const contenders: [string, string, Record<string, string>][] = [
    ['baseline', options.constantBaseline, env],
    ['bare', options.bareBundle, env],
    [fn.name, bundle, env],
    [SECRETS_LABEL, bundle, deployedEnv],
  ];
  const samples = new Map(
    contenders.map(([label]) => [label, [] as { answerMs: number; child: ColdChildResult }[]]),
  );

  for (let round = 0; round < options.warmupRuns + options.runs; round++) {
    for (const [label, file, childEnv] of contenders) {
      const { answerMs, result } = await runChild<ColdChildResult>([options.coldChild, file], childEnv);
      check(label === 'baseline' ? undefined : scenario, label, result);
      if (round >= options.warmupRuns) samples.get(label)?.push({ answerMs, child: result });
    }
  }
  options.progress?.(`cold start ${fn.name}: ${options.runs} runs × ${contenders.length}`);

  const contender = (label: string): Contender => {
    const runs = samples.get(label) ?? [];
    return {
      label,
      spawnToAnswer: summarize(runs.map((run) => run.answerMs)),
      load: median(runs.map((run) => run.child.loadMs)),
      invoke: median(runs.map((run) => run.child.invokeMs)),
    };
  };
  const own = contender(fn.name);
  const withSecrets = contender(SECRETS_LABEL);
  const baseline = contender('baseline');
  const bare = contender('bare');
  return {
    fn,
    function: own,
    withSecrets,
    baseline,
    bare,
    addedWithSecretsMs: withSecrets.spawnToAnswer.median - baseline.spawnToAnswer.median,
    secretsMs: withSecrets.spawnToAnswer.median - own.spawnToAnswer.median,
    addedMs: own.spawnToAnswer.median - baseline.spawnToAnswer.median,
    ratio: own.spawnToAnswer.median / baseline.spawnToAnswer.median,
    addedOverBareMs: own.spawnToAnswer.median - bare.spawnToAnswer.median,
    roundTrips: samples.get(fn.name)?.[0]?.child.roundTrips ?? [],
  };
}

/** A run that did not answer 200 with the expected output measures nothing: stop the bench. */
function check(scenario: Scenario | undefined, label: string, result: ColdChildResult) {
  const output = JSON.parse(result.body ?? 'null') as Record<string, unknown> | null;
  const missing = scenario?.output.filter((key) => output?.[key] === undefined) ?? [];
  if (result.status !== 200 || missing.length > 0 || result.unexpected.length > 0) {
    throw new Error(
      `${label} answered ${result.status} ${result.body}` +
        (result.unexpected.length > 0 ? `; unexpected upstream calls: ${result.unexpected.join(', ')}` : ''),
    );
  }
}

const SECRETS_LABEL = 'with secrets';

export const FIRST_USE_RUNS = 15;

/** Medians of what a fresh process pays on first use of fetch, crypto, … (bench/children/anatomy.ts). */
export async function measureFirstUse(
  anatomyChild: string,
  runs = FIRST_USE_RUNS,
): Promise<[string, number][]> {
  const samples = new Map<string, number[]>();
  for (let run = 0; run < runs; run++) {
    const { result } = await runChild<Record<string, number>>([anatomyChild], {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      NODE_OPTIONS: FUNCTION_ENV.NODE_OPTIONS ?? '',
    });
    for (const [name, ms] of Object.entries(result)) samples.set(name, [...(samples.get(name) ?? []), ms]);
  }
  return [...samples].map(([name, values]) => [name, median(values)]);
}
