import { ROUND_TRIPS } from '../instances';
import type { QueueDeps, TaskKind } from './types';

/**
 * The Qovery requests each kind of task sends, as lib/instances/instances.ts counts them: what it
 * reserves from the budget before it begins (unused units are given back).
 * - create: the provision (the blueprint's 30, or the clone's 4: `createCost`), +1 deploy when a
 *   start followed it;
 * - start: the environment's state, then deploy; stop: the state, then stop or cancel;
 * - delete: delete (+1 list by name for a create that died before storing its environment).
 */
export function costOf(
  { createCost = ROUND_TRIPS.provisionBlueprint }: Pick<QueueDeps, 'createCost'>,
  kind: TaskKind,
  thenStart = false,
): number {
  switch (kind) {
    case 'create':
      return createCost + (thenStart ? ROUND_TRIPS.deploy : 0);
    // Equivalent if emptied (mutation testing): a start would fall through to the stop's cost and a
    // stop to the delete's, which are 2 requests as well (every ROUND_TRIPS step here counts 1).
    // Stryker disable next-line ConditionalExpression
    case 'start':
      return ROUND_TRIPS.status + ROUND_TRIPS.deploy;
    // Stryker disable next-line ConditionalExpression
    case 'stop':
      return ROUND_TRIPS.status + ROUND_TRIPS.stop;
    case 'delete':
      return ROUND_TRIPS.findByName + ROUND_TRIPS.destroy;
  }
}
