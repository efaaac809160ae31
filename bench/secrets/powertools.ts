/**
 * Candidates for reading a function's secrets at cold start (bench/parts/secrets.ts), one file
 * each so that each bundle holds one. This one is what the functions use (lib/platform/secrets.ts):
 * Powertools Parameters `getParametersByName`, decrypted, the SDK loaded on first use.
 */
import { withSecrets } from '../../lib/platform/secrets';
import { PATH } from './path';

export async function read(names: readonly string[]): Promise<Record<string, string | undefined>> {
  const env = await withSecrets({ SECRETS_SSM_PATH: PATH }, names);
  return Object.fromEntries(names.map((name) => [name, env[name]]));
}
