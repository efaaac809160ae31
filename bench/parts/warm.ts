import { readFileSync } from 'node:fs';
import { BCRYPT_ACTIONS } from '../lib/bcrypt-actions';
import { runChild } from '../lib/child';
import type { FunctionSpec } from '../lib/serverless-config';
import { type Summary, summarize } from '../lib/stats';
import { FUNCTION_ENV, type Scenario } from '../upstream/scenarios';

/**
 * Part 3 — warm overhead: in one process per function, the deployed bundle and a bare
 * hand-written handler making the same round trips (bench/bare/handlers.ts) take turns against
 * upstreams that answer instantly. For Signup and Signin, the bcrypt operation alone takes turns
 * too.
 */

export interface Warm {
  fn: FunctionSpec;
  handler: Summary;
  bare: Summary;
  bcrypt?: Summary;
  medianRatio: number;
  p99Ratio: number;
  /** handler / bcrypt alone (Signup, Signin). */
  bcryptMedianRatio?: number;
  bcryptP99Ratio?: number;
}

export interface WarmOptions {
  warmChild: string;
  bareHandlers: string;
  passwordHash: string;
  /** Iterations for actions without bcrypt, and for Signup/Signin (each ~0.1 s). */
  iterations: number;
  bcryptIterations: number;
  out: string;
  progress?: (message: string) => void;
}

export async function measureWarm(
  fn: FunctionSpec,
  bundle: string,
  scenario: Scenario,
  options: WarmOptions,
): Promise<Warm> {
  const usesBcrypt = BCRYPT_ACTIONS.has(fn.action);
  const iterations = usesBcrypt ? options.bcryptIterations : options.iterations;
  const warmup = usesBcrypt ? 3 : Math.max(50, Math.round(iterations / 10));
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    ...FUNCTION_ENV,
    BENCH_ACTION: scenario.action,
    BENCH_PASSWORD_HASH: options.passwordHash,
  };
  await runChild(
    [options.warmChild, bundle, options.bareHandlers, options.out, String(iterations), String(warmup)],
    env,
    300_000,
  );
  const { samples } = JSON.parse(readFileSync(options.out, 'utf8')) as { samples: Record<string, number[]> };
  const handler = summarize(samples.handler ?? []);
  const bare = summarize(samples.bare ?? []);
  const bcrypt = samples.bcrypt ? summarize(samples.bcrypt) : undefined;
  options.progress?.(`warm ${fn.name}: ${iterations} iterations`);
  return {
    fn,
    handler,
    bare,
    bcrypt,
    medianRatio: handler.median / bare.median,
    p99Ratio: handler.p99 / bare.p99,
    bcryptMedianRatio: bcrypt ? handler.median / bcrypt.median : undefined,
    bcryptP99Ratio: bcrypt ? handler.p99 / bcrypt.p99 : undefined,
  };
}
