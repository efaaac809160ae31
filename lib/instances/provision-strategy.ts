/**
 * Clone or blueprint: how CreateProject builds an instance. A clone of the template environment
 * costs 4 Qovery calls, the blueprint about 30 (lib/instances/instances.ts). `npm run template`
 * (lib/instances/provision-template.ts) builds the template from the blueprint and records it on
 * the one `instance_template` row; CreateProject reads that row (one Hasura round trip, no Qovery
 * call) and clones only a template of the configured AppWrite release built from this very
 * blueprint. Otherwise it builds from the blueprint, and says so in the logs and a metric.
 */
import { createHash } from 'node:crypto';
import type { ActionMetrics } from '../basics/metrics';
import type { HasuraClient } from '../platform/hasura/client';
import { InstanceTemplate } from '../platform/hasura/documents';
import type { CallOptions } from '../platform/qovery/client';
import type { QoverySettings } from './blueprint/blueprint';
import { containerRequest, releaseOf } from './blueprint/containers';
import { migrateJobRequest } from './blueprint/migrate';
import { CADDYFILE } from './blueprint/proxy';
import { services } from './blueprint/services';
import type { Release } from './blueprint/versions';
import type { InstancesLogger } from './logger';

/** The template `npm run template` last built. */
export interface RecordedTemplate {
  environmentId: string;
  /** The AppWrite release of its images. */
  version: string;
  /** `blueprintDigest` of the settings it was built with. */
  digest: string;
}

/** Reads the recorded template; null when there is none. */
export type TemplateReader = (options: CallOptions) => Promise<RecordedTemplate | null>;

export function recordedTemplate(hasura: HasuraClient): TemplateReader {
  return async (options) => {
    const { instance_template_by_pk: row } = await hasura.request(InstanceTemplate, {}, options);
    return row
      ? {
          environmentId: row.qovery_environment_id,
          version: row.appwrite_version,
          digest: row.blueprint_digest,
        }
      : null;
  };
}

/**
 * What the blueprint makes of every instance alike with these settings (the containers with their
 * sizes and own variables, the `migrate` job, the proxy's file): a template built from the same
 * has the same digest. Settings or code that would build an instance differently change it.
 */
export function blueprintDigest(
  settings: QoverySettings,
  release: Release = releaseOf(settings.instance),
): string {
  const built = {
    containers: services(settings.instance).map((spec) => [
      containerRequest(settings, spec, release),
      spec.variables ?? null,
    ]),
    job: migrateJobRequest(settings, release),
    proxy: CADDYFILE,
  };
  return createHash('sha256').update(JSON.stringify(built)).digest('hex').slice(0, 32);
}

export type Strategy =
  | { strategy: 'clone'; templateId: string; reason: 'configured-template' | 'template-current' }
  | {
      strategy: 'blueprint';
      reason:
        | 'no-template'
        | 'template-outdated'
        | 'blueprint-changed'
        | 'template-unreadable'
        | 'template-missing';
    };

/** A strategy, with the recorded template's release when there is one. */
export type Choice = Strategy & { templateVersion?: string };

/**
 * QOVERY_TEMPLATE_ENVIRONMENT_ID, when set, is the operator's own template: cloned as before, its
 * release the operator's to keep. Otherwise the recorded one, when current.
 */
export async function chooseStrategy(
  settings: QoverySettings,
  readTemplate: TemplateReader | undefined,
  options: CallOptions,
): Promise<Choice> {
  if (settings.templateEnvironmentId)
    return { strategy: 'clone', templateId: settings.templateEnvironmentId, reason: 'configured-template' };
  if (!readTemplate) return { strategy: 'blueprint', reason: 'no-template' };
  let recorded: RecordedTemplate | null;
  try {
    recorded = await readTemplate(options);
  } catch {
    // The cheap path is an optimisation: the blueprint does not need the row.
    return { strategy: 'blueprint', reason: 'template-unreadable' };
  }
  if (!recorded) return { strategy: 'blueprint', reason: 'no-template' };
  const templateVersion = recorded.version;
  if (templateVersion !== settings.instance.version)
    return { strategy: 'blueprint', reason: 'template-outdated', templateVersion };
  if (recorded.digest !== blueprintDigest(settings))
    return { strategy: 'blueprint', reason: 'blueprint-changed', templateVersion };
  return {
    strategy: 'clone',
    templateId: recorded.environmentId,
    reason: 'template-current',
    templateVersion,
  };
}

export interface StrategyReporting {
  settings: QoverySettings;
  log: InstancesLogger & { info?: InstancesLogger['warn'] };
  metrics?: Pick<ActionMetrics, 'count'>;
}

/** `provision.strategy` in the logs (a warning when something is wrong), and the ProvisionStrategy metric. */
export function reportStrategy(
  { settings, log, metrics }: StrategyReporting,
  choice: Choice,
  projectRowId: number | string,
): void {
  const fields = {
    projectRowId,
    strategy: choice.strategy,
    reason: choice.reason,
    appwriteVersion: settings.instance.version,
    ...(choice.templateVersion ? { templateVersion: choice.templateVersion } : {}),
  };
  const wrong = choice.reason === 'template-unreadable' || choice.reason === 'template-missing';
  if (wrong || !log.info) log.warn('provision.strategy', fields);
  else log.info('provision.strategy', fields);
  metrics?.count('ProvisionStrategy', { strategy: choice.strategy, reason: choice.reason });
}
