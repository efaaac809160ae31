/**
 * The AWS Parameters and Secrets Lambda extension, seen from the function: one local HTTP GET per
 * parameter, over Node's fetch (undici), no SDK. The extension itself (a separate process started during init, which caches
 * and calls SSM) cannot run here: its own start-up and its call to SSM are not in this figure.
 */
import { PATH } from './path';

export async function read(names: readonly string[]): Promise<Record<string, string | undefined>> {
  const base = process.env.BENCH_EXTENSION_URL ?? 'http://localhost:2773';
  const values = await Promise.all(
    names.map(async (name) => {
      const url = `${base}/systemsmanager/parameters/get?name=${encodeURIComponent(PATH + name)}&withDecryption=true`;
      const answer = await fetch(url, {
        headers: { 'X-Aws-Parameters-Secrets-Token': process.env.AWS_SESSION_TOKEN ?? '' },
      });
      const body = (await answer.json()) as { Parameter?: { Value?: string } };
      return [name, body.Parameter?.Value] as const;
    }),
  );
  return Object.fromEntries(values);
}
