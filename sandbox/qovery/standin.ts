/**
 * A LOCAL STAND-IN for the part of Qovery's REST API that AppWrite Cloud uses: for local runs and
 * tests only; production talks to https://api.qovery.com. See README.md beside this file.
 *
 * It keeps its state in memory (state.ts), answers with the shapes of Qovery's published types,
 * one module per resource (routes.ts composes them), moves environments through Qovery's states
 * over time (transitions.ts), and lets a test inject a fault at any call (faults.ts).
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StateEnum } from 'qovery-typescript-axios';
import { createContext, DEFAULT_STEP_MS } from './context';
import { qoveryContract } from './contract';
import { createFaults, type FaultControls } from './faults';
import { acceptedToken, handleRequest, type RecordedCall } from './http';
import { createRateLimiter, type RateLimit, type RateLimitView } from './rate-limit';
import { type Resolved, resolveVariables } from './resolve';
import { LOCAL_REGISTRY_ID } from './resources';
import { emptyState, type StandInState } from './state';
import { type ContractViolation, recordViolation, takeViolations } from './violations';

export type { Fault } from './faults';
export type { RecordedCall } from './http';
export { parseRateLimit, type RateLimit, type RateLimitView } from './rate-limit';
export { LOCAL_REGISTRY_ID } from './resources';
export type {
  ContainerRecord,
  DatabaseRecord,
  EnvironmentRecord,
  JobRecord,
  JobRun,
  ServiceRecord,
  StageRecord,
  StandInState,
  StoredVariable,
} from './state';

export interface StandInOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** The API token callers must send as `Authorization: Token <token>`. */
  token: string;
  /** Further tokens accepted (another organization's): each has a rate-limit budget of its own. */
  tokens?: string[];
  /**
   * Time per state transition in ms (default 1500, at which the stand-in's time runs as the wall
   * clock; tests use ~20-50, which compresses it: see context.ts).
   */
  stepMs?: number;
  /**
   * Qovery's rate limit (rate-limit.ts): `requests` per token per window of `windowSeconds` of the
   * stand-in's time, the `X-RateLimit-*` headers on every authenticated answer, 429 past it. Qovery's
   * is `{ requests: 1000, windowSeconds: 3600 }`. Default: no limit, no headers.
   */
  rateLimit?: RateLimit;
  /** Projects that exist. Default: one project with a random id. */
  projectIds?: string[];
  /** Container registries linked in the organization. Default: one Docker Hub, LOCAL_REGISTRY_ID. */
  registryIds?: string[];
  /**
   * Check every request and answer against Qovery's OpenAPI document (default true). A request
   * that breaks it is refused with 400, as Qovery would; every violation goes to `onViolation`.
   */
  contract?: boolean;
  /**
   * Where violations go. Default: the process-wide list that tests/setup-contract.ts turns into a
   * failure of the test that caused them.
   */
  onViolation?: (violation: ContractViolation) => void;
  /**
   * Keep the state in this JSON file across restarts (`npm start`: `.local/qovery/state.json`):
   * loaded at start, written after every change. In memory only when absent (tests).
   */
  stateFile?: string;
}

export interface QoveryStandIn {
  url: string;
  state: StandInState;
  calls: RecordedCall[];
  faults: FaultControls;
  /** The 429s the rate limit answered, and the calls counted in a token's window. */
  rateLimit: RateLimitView;
  /**
   * A container's variables as Qovery would inject them: BUILT_IN, environment and container
   * variables, with `{{NAME}}` interpolations resolved; `missing` lists unknown references.
   */
  resolveVariables(containerId: string): Resolved;
  /**
   * Every state an environment entered through a transition, in order: what a test checks instead
   * of polling, which misses short states on a busy machine.
   */
  stateHistory(environmentId: string): StateEnum[];
  /** Removes and returns this stand-in's contract violations (for tests that cause them on purpose). */
  takeViolations(): ContractViolation[];
  /**
   * The next run of this job fails (the migration broke): its deployment ends DEPLOYMENT_ERROR,
   * as a failed lifecycle job fails Qovery's deployment.
   */
  failNextRun(jobId: string, reason?: string): void;
  close(): Promise<void>;
}

export async function startQoveryStandIn(options: StandInOptions): Promise<QoveryStandIn> {
  const { token, stepMs = DEFAULT_STEP_MS, port = 0, onViolation = recordViolation } = options;
  const state = emptyState(options.projectIds ?? [randomUUID()], options.registryIds ?? [LOCAL_REGISTRY_ID]);
  const context = createContext(state, stepMs, options.stateFile);
  const faults = createFaults();
  const rateLimiter = options.rateLimit ? createRateLimiter(context, options.rateLimit, token) : undefined;
  const calls: RecordedCall[] = [];
  let url = '';
  const deps = {
    context,
    contract: options.contract === false ? undefined : qoveryContract(),
    onViolation,
    url: () => url,
    tokens: [token, ...(options.tokens ?? [])].map(acceptedToken),
    rateLimiter,
    calls,
    takeFault: faults.take,
  };
  const server = createServer((req, res) => {
    handleRequest(deps, req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    state,
    calls,
    stateHistory: (environmentId) => [...(context.histories.get(environmentId) ?? [])],
    faults: faults.controls,
    rateLimit: rateLimiter?.view ?? { refused: 0, counted: () => 0 },
    resolveVariables: (containerId) => resolveVariables(state, containerId),
    takeViolations: () => takeViolations(url),
    failNextRun(jobId, reason = 'the job exited with status 1') {
      context.failingRuns.set(jobId, reason);
    },
    async close() {
      for (const timer of context.timers) clearTimeout(timer);
      context.timers.clear();
      context.transitions.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
