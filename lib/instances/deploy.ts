/** Deploy, stop, destroy an instance's environment, or cancel its deployment under way. */
import { type CallOptions, isQoveryError, type QoveryClient } from '../platform/qovery/client';

export async function deploy(client: QoveryClient, environmentId: string, options: CallOptions = {}) {
  await client.deployEnvironment(environmentId, options);
}

export async function stop(client: QoveryClient, environmentId: string, options: CallOptions = {}) {
  await client.stopEnvironment(environmentId, options);
}

/** Deletes an environment; already gone counts as success. */
export async function destroy(
  client: QoveryClient,
  environmentId: string,
  options: CallOptions = {},
): Promise<'gone' | 'deleting'> {
  try {
    await client.deleteEnvironment(environmentId, options);
    return 'deleting';
  } catch (error) {
    if (!isQoveryError(error, 'not-found')) throw error;
    return 'gone';
  }
}

/** False when Qovery says there is nothing to cancel (409). */
export async function cancelDeployment(
  client: QoveryClient,
  environmentId: string,
  options: CallOptions = {},
): Promise<boolean> {
  try {
    await client.cancelEnvironmentDeployment(environmentId, { force_cancel: false }, options);
    return true;
  } catch (error) {
    if (isQoveryError(error, 'conflict')) return false;
    throw error;
  }
}
