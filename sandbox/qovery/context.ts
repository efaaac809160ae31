/**
 * What every handler of one stand-in works on: its state, its clock (one step of a transition per
 * `stepMs`, timers that `close()` cancels) and where the state is kept.
 */
import type { StateEnum } from 'qovery-typescript-axios';
import { loadState, saveState } from './persistence';
import type { StandInState } from './state';

export interface Context {
  readonly state: StandInState;
  /** Time per state transition in ms. */
  readonly stepMs: number;
  /** Writes the state to its file when it has one (`npm start`); nothing in memory (tests). */
  persist(): void;
  /** Pending timers, cancelled by `close()`. */
  readonly timers: Set<NodeJS.Timeout>;
  /** The timer of each environment's transition under way, by environment id. */
  readonly transitions: Map<string, NodeJS.Timeout>;
  /** Every state each environment entered through a transition, by environment id. */
  readonly histories: Map<string, StateEnum[]>;
  /** Jobs whose next run fails, with the reason (`failNextRun`). */
  readonly failingRuns: Map<string, string>;
}

/**
 * The step at which the stand-in's clock keeps pace with the wall clock: the default, what `npm start`
 * runs at. A smaller `stepMs` compresses the stand-in's time (at 50 ms a step, 30 of its seconds pass
 * per real second), a larger one stretches it; whatever lasts a span of the stand-in's time (a state
 * step, a rate-limit window) scales with it.
 */
export const DEFAULT_STEP_MS = 1500;

/** How long `standInMs` of the stand-in's time lasts on the wall clock. */
export function realMs(context: Context, standInMs: number): number {
  return (standInMs * context.stepMs) / DEFAULT_STEP_MS;
}

/** A context over `state`, first loaded from `stateFile` when there is one. */
export function createContext(state: StandInState, stepMs: number, stateFile?: string): Context {
  if (stateFile) loadState(stateFile, state);
  return {
    state,
    stepMs,
    persist: () => {
      if (stateFile) saveState(stateFile, state);
    },
    timers: new Set(),
    transitions: new Map(),
    histories: new Map(),
    failingRuns: new Map(),
  };
}

/** Runs `fn` in `ms`, unless the stand-in closes first. */
export function later(context: Context, ms: number, fn: () => void): NodeJS.Timeout {
  const timer = setTimeout(() => {
    context.timers.delete(timer);
    fn();
  }, ms);
  context.timers.add(timer);
  return timer;
}

export function wait(context: Context, ms: number): Promise<void> {
  return new Promise<void>((resolve) => later(context, ms, resolve));
}
