/**
 * Contract violations seen by Qovery stand-ins in this process: a request the stand-in received,
 * or an answer it sent, that Qovery's OpenAPI document does not allow. Tests fail on any left
 * over after each test (tests/setup-contract.ts); a test that sends a bad request on purpose takes
 * its violations with `standIn.takeViolations()`.
 */
export interface ContractViolation {
  /** The stand-in's URL, so that several stand-ins in one process can be told apart. */
  standIn: string;
  direction: 'request' | 'response';
  method: string;
  path: string;
  status?: number;
  operationId?: string;
  problems: string[];
}

const pending: ContractViolation[] = [];

export function recordViolation(violation: ContractViolation): void {
  pending.push(violation);
}

/** Removes and returns the violations (of one stand-in when `standIn` is given). */
export function takeViolations(standIn?: string): ContractViolation[] {
  const taken: ContractViolation[] = [];
  for (let i = pending.length - 1; i >= 0; i--) {
    const violation = pending[i];
    if (violation && (standIn === undefined || violation.standIn === standIn)) {
      taken.unshift(violation);
      pending.splice(i, 1);
    }
  }
  return taken;
}

export function formatViolation(v: ContractViolation): string {
  const what =
    v.direction === 'request'
      ? `request ${v.method} ${v.path}`
      : `response ${v.status ?? ''} to ${v.method} ${v.path}`;
  return `Qovery contract violation (${what}${v.operationId ? `, ${v.operationId}` : ''}):\n  - ${v.problems.join('\n  - ')}`;
}
