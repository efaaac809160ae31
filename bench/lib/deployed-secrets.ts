import { sectionNames, settingsOf } from '../../lib/runtime/config';
import { startParametersExtension } from '../../sandbox/parameters-extension';
import { FUNCTION_ENV } from '../upstream/scenarios';

/** Where the bench's parameters live, and the session token of its functions. */
export const BENCH_SSM_PATH = '/appwrite-cloud/bench/';
const TOKEN = 'bench-session-token';

/** Every secret the functions may read (lib/runtime/config.ts) that the bench's environment sets. */
export const SECRET_NAMES = settingsOf(sectionNames)
  .filter((setting) => setting.secret && FUNCTION_ENV[setting.name] !== undefined)
  .map((setting) => setting.name);

/**
 * A function as deployed reads its secrets through the Parameters and Secrets extension
 * (lib/platform/secrets.ts): its stand-in on loopback (sandbox/parameters-extension) holds the
 * bench's secrets, and `env` is what the function's environment then has instead of them.
 */
export async function startDeployedSecrets() {
  const extension = await startParametersExtension({
    token: TOKEN,
    parameters: Object.fromEntries(
      SECRET_NAMES.map((name) => [`${BENCH_SSM_PATH}${name}`, FUNCTION_ENV[name] ?? '']),
    ),
  });
  return {
    extension,
    env: {
      SECRETS_SSM_PATH: BENCH_SSM_PATH,
      PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(extension.port),
      AWS_SESSION_TOKEN: TOKEN,
    },
    secrets: SECRET_NAMES,
  };
}
