import { isQoveryError } from '../../platform/qovery/client';
import { type Pass, timeLeft } from './pass';

/** The stop of STOPPING projects whose deployment StopProject cancelled (or lost a race to). */
export async function askStopsAgain(pass: Pass, environmentIds: readonly string[]): Promise<void> {
  const { qovery, call, summary } = pass;
  for (const environmentId of new Set(environmentIds)) {
    if (!timeLeft(pass)) break;
    try {
      await qovery.stop(environmentId, call);
    } catch (error) {
      if (!isQoveryError(error, 'conflict')) throw error; // still winding down: next run
    }
    summary.stopsAsked++;
  }
}
