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
  baseline: Contender;
  bare: Contender;
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
  const contenders: [string, string][] = [
    ['baseline', options.constantBaseline],
    ['bare', options.bareBundle],
    [fn.name, bundle],
  ];
  const samples = new Map(
    contenders.map(([label]) => [label, [] as { answerMs: number; child: ColdChildResult }[]]),
  );

  for (let round = 0; round < options.warmupRuns + options.runs; round++) {
    for (const [label, file] of contenders) {
      const { answerMs, result } = await runChild<ColdChildResult>([options.coldChild, file], env);
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
  const baseline = contender('baseline');
  const bare = contender('bare');
  return {
    fn,
    function: own,
    baseline,
    bare,
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
