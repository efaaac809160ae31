/** Faults a test injects into the stand-in's answers: an error status, a delay, a dropped connection. */

export interface Fault {
  /** HTTP method to match (any when absent). */
  method?: string;
  /** Exact path (without query) or a pattern tested against it. */
  path: string | RegExp;
  /** Further narrows the match, e.g. on the request body. */
  when?: (request: { method: string; path: string; body: unknown }) => boolean;
  /** Answer with this status (and `body`, default `{status, detail}`). */
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Wait this long first (a slow Qovery). */
  delayMs?: number;
  /** Destroy the socket instead of answering (a connection error). */
  drop?: boolean;
  /** How many matching calls it affects (default 1; Infinity for all). */
  times?: number;
  /**
   * Process the request normally first, then fault the answer: a lost or replaced response
   * after the change happened. Default false: the request is not processed.
   */
  after?: boolean;
}

/** What a test sees of the faults: `standIn.faults`. */
export interface FaultControls {
  inject(fault: Fault): void;
  clear(): void;
  readonly pending: number;
}

/** The first pending fault that matches a call, counted as used; undefined when none does. */
export type TakeFault = (method: string, path: string, body: unknown) => Fault | undefined;

export function createFaults(): { controls: FaultControls; take: TakeFault } {
  let faults: (Fault & { remaining: number })[] = [];
  const controls: FaultControls = {
    inject(fault) {
      faults.push({ ...fault, remaining: fault.times ?? 1 });
    },
    clear() {
      faults = [];
    },
    get pending() {
      return faults.length;
    },
  };
  const take: TakeFault = (method, path, body) => {
    const fault = faults.find(
      (f) =>
        (f.method === undefined || f.method.toUpperCase() === method) &&
        (typeof f.path === 'string' ? f.path === path : f.path.test(path)) &&
        (f.when === undefined || f.when({ method, path, body })),
    );
    if (!fault) return undefined;
    fault.remaining--;
    if (fault.remaining <= 0) faults = faults.filter((f) => f !== fault);
    return fault;
  };
  return { controls, take };
}
