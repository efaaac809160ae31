/**
 * What the functions use (lib/platform/secrets.ts): the Parameters and Secrets Lambda extension,
 * one local GET per parameter, all at once, over node:http with keep-alive (lib/platform/http),
 * no SDK and no undici. The extension's own start and its SSM call are not in this figure.
 */
import { withSecrets } from '../../lib/platform/secrets';
import { PATH } from './path';

export async function read(names: readonly string[]): Promise<Record<string, string | undefined>> {
  const env = await withSecrets(
    {
      SECRETS_SSM_PATH: PATH,
      PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: process.env.BENCH_EXTENSION_PORT ?? '2773',
      AWS_SESSION_TOKEN: process.env.AWS_SESSION_TOKEN ?? '',
    },
    names,
  );
  return Object.fromEntries(names.map((name) => [name, env[name]]));
}
