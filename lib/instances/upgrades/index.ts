/**
 * Upgrades: an operator moves instances to the configured AppWrite release, and the reconciler
 * takes each one there, one version step at a time, as AppWrite documents (each minor's latest
 * patch, `migrate` after every step: lib/instances/blueprint/versions `upgradePath`).
 *
 * `npm run upgrade` (scripts/upgrade.ts, with requests.ts) only records the target on the rows
 * (`appwrite_target_version`): an upgrade of many instances takes hours, far beyond an action's
 * 30 s. Then, on every run (`upgradesStep` in step.ts, a step of lib/instances/reconciler), for
 * each row with a target:
 *
 * 1. No step under way, the instance RUNNING (or failed to deploy): the next version of its path is
 *    written on the row (`upgrade_step`, `upgrade_step_at`) BEFORE Qovery is asked (begin.ts), then
 *    `Instances.upgrade` adds that release's new variables and, in one deployment request, gives
 *    every AppWrite-image service, the console, Redis, MariaDB and the browser their tags of that
 *    release and the `migrate` job the new AppWrite image. A stopped instance waits: it is upgraded
 *    once its owner starts it again (nobody's instance is started behind their back).
 * 2. A step under way (check.ts): once Qovery reports the environment deployed and the `migrate`
 *    job succeeded in a deployment asked after the step, the step is recorded (`appwrite_version`)
 *    and the next run takes the next one. The deployment failing (the instance's containers or its
 *    migration) stops the upgrade: `upgrade_error` holds a user-safe sentence, which the project
 *    shows as its ERROR reason (lib/instances/lifecycle `withUpgradeReason`), and the operator is
 *    told in the logs (`upgrade.failed`). Nothing is rolled back (AppWrite has no downgrade); the
 *    owner's next successful start, which runs `migrate` again, completes the step, and the upgrade
 *    goes on. The operator retries with `npm run upgrade` again.
 *
 * Every write is conditional on what was read, every Qovery call is idempotent or guarded by the
 * row, so overlapping runs cannot take two steps at once.
 */

export {
  listUpgrades,
  requestUpgrades,
  type UpgradeRequest,
  type UpgradeRequestAnswer,
} from './requests';
export { upgradeReasons } from './shared';
export { type UpgradesDeps, upgradesStep } from './step';
