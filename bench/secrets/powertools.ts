/**
 * Candidates for reading a function's secrets at cold start (bench/parts/secrets.ts), one file
 * each so that each bundle holds one. This one is what the functions used before the extension:
 * Powertools Parameters `getParametersByName`, decrypted, the SDK loaded on first use.
 */
import { PATH } from './path';

export async function read(names: readonly string[]): Promise<Record<string, string | undefined>> {
  const { SSMProvider } = await import('@aws-lambda-powertools/parameters/ssm');
  const values = await new SSMProvider().getParametersByName(
    Object.fromEntries(names.map((name) => [`${PATH}${name}`, {}])),
    { decrypt: true, throwOnError: false },
  );
  return Object.fromEntries(names.map((name) => [name, values[`${PATH}${name}`] as string | undefined]));
}
