/** Opens an instance's console once its owner's account exists. */
import { type CallOptions, isQoveryError, type QoveryClient } from '../platform/qovery/client';
import type { QoverySettings } from './blueprint/blueprint';
import { openedConsoleVariables } from './blueprint/variables';
import { variablesImport } from './blueprint/variables-import';

/** The proxy's gate opens and the instance gets its e-mail: an import, then a deployment. */
export async function openConsole(
  client: QoveryClient,
  settings: QoverySettings,
  environmentId: string,
  mariadbId: string,
  options: CallOptions = {},
): Promise<void> {
  await client.importContainerEnvironmentVariable(
    mariadbId,
    variablesImport([{ scope: 'ENVIRONMENT', vars: openedConsoleVariables(settings.instance) }], {}),
    options,
  );
  try {
    await client.deployEnvironment(environmentId, options);
  } catch (error) {
    // A deployment under way: the reconciler's or the owner's next one picks the change up.
    if (!isQoveryError(error, 'conflict')) throw error;
  }
}
