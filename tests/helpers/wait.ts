/**
 * Asks `check` again every `everyMs` until it answers a truthy value, and answers that value. The
 * limit only stops a test that would otherwise hang (it stays under Jest's 30 s): it is generous
 * on purpose, since a loaded machine makes a condition come later, never makes it false. A test
 * waits on conditions, never for a fixed time.
 */
export async function eventually<T>(
  check: () => T | Promise<T>,
  options: { what?: string; timeoutMs?: number; everyMs?: number } = {},
): Promise<NonNullable<T>> {
  const { what = 'the condition', timeoutMs = 20_000, everyMs = 10 } = options;
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > until) throw new Error(`${what} did not come true within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
