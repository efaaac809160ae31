import { formatViolation, takeViolations } from '../sandbox/qovery/violations';

/**
 * A Qovery stand-in that received a request, or sent an answer, that Qovery's OpenAPI document
 * does not allow fails the test that made it happen (see sandbox/qovery/contract.ts).
 */
afterEach(() => {
  const violations = takeViolations();
  if (violations.length) throw new Error(violations.map(formatViolation).join('\n'));
});
