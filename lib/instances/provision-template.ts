/**
 * The template environment CreateProject clones (lib/instances/provision-strategy.ts), built and
 * kept by the operator's `npm run template` and `npm run upgrade` (scripts/template.ts).
 *
 * It is built from the blueprint exactly as an instance's first stages are (provision.ts
 * `fromBlueprint` and `fittings`), for the configured release, and never deployed: it holds no
 * per-instance value (each clone gets its own secrets, bucket and owner), so it costs nothing to
 * keep. Refreshing it builds a new one and records it before the old one goes, rather than
 * changing images in place as an upgrade step does: a step redeploys (the template would run,
 * broken, with no secrets), and a CreateProject cloning mid-change would get half of each release.
 *
 * Names are `<prefix>-appwrite-template-<version>-<time>`: not a project row's name, so the
 * reconciler never takes one for an orphan (blueprint/environment.ts `ownRowId`), and unique, so
 * the new one and the old one can exist together.
 */
import type { HasuraClient } from '../platform/hasura/client';
import { RecordInstanceTemplate } from '../platform/hasura/documents';
import type { CallOptions } from '../platform/qovery/client';
import type { QoverySettings } from './blueprint/blueprint';
import { environmentName, environmentRequest } from './blueprint/environment';
import type { InstanceSecrets } from './blueprint/secrets';
import { services } from './blueprint/services';
import { releases as knownReleases, type Release } from './blueprint/versions';
import { all, idOf } from './calls';
import { destroy } from './deploy';
import { fittings, fromBlueprint } from './provision';
import { type CleanupDeps, discard } from './provision-cleanup';
import { blueprintDigest, type RecordedTemplate, recordedTemplate } from './provision-strategy';

export interface TemplateDeps extends CleanupDeps {
  hasura: HasuraClient;
  makeSecrets: () => InstanceSecrets;
  /** The releases it can be built at (tests may add a newer one). */
  releases?: Readonly<Record<string, Release>>;
  /**
   * The template replaced is deleted this long after the new one is recorded: a CreateProject that
   * read the old record just before may still be cloning it. Default 60 s (an action lasts 25 s).
   */
  retireAfterMs?: number;
  now?: () => number;
}

export interface TemplateOutcome {
  /** `unchanged`: the recorded template is the configured release, built from this blueprint. */
  action: 'created' | 'refreshed' | 'unchanged';
  environmentId: string;
  version: string;
  /** The template recorded before, when it was replaced. */
  replaced: RecordedTemplate | null;
  /** Templates deleted: the one replaced, and any left by a run that failed before recording. */
  removed: string[];
}

/** `template` in the name of a project row id: `<prefix>-appwrite-template-…`. */
const TEMPLATE = 'template';

/**
 * A template of this deployment: its prefix and, when the deployment has an id, its mark at the
 * end (rowEnvironmentName), so that a run never deletes another deployment's template that shares
 * the prefix.
 */
function isTemplate(
  name: string,
  settings: Pick<QoverySettings, 'environmentPrefix' | 'deploymentId'>,
): boolean {
  const lower = name.toLowerCase();
  const { environmentPrefix: prefix, deploymentId: mark } = settings;
  return (
    lower.startsWith(environmentName(TEMPLATE, prefix).toLowerCase()) && (!mark || lower.endsWith(`-${mark}`))
  );
}

/**
 * Makes sure the recorded template is the configured release (`settings.instance.version`) built
 * from this blueprint: builds and records a new one when it is not (or there is none, or Qovery
 * no longer has it), then deletes the ones it replaced. Idempotent: a second run finds it current.
 */
export async function ensureTemplate(
  deps: TemplateDeps,
  options: CallOptions = {},
): Promise<TemplateOutcome> {
  const { client, settings, hasura, now = Date.now } = deps;
  const version = settings.instance.version;
  const release = (deps.releases ?? knownReleases)[version];
  if (!release) throw new RangeError(`AppWrite ${version} is not a release this code knows`);
  const digest = blueprintDigest(settings, release);
  const [recorded, list] = await all([
    recordedTemplate(hasura)(options),
    client.listEnvironment(settings.projectId, options),
  ] as const);
  const templates = (list.results ?? []).filter((env) => isTemplate(env.name, settings));
  const exists = templates.some((env) => env.id === recorded?.environmentId);
  if (recorded && exists && recorded.version === version && recorded.digest === digest) {
    const strays = templates.filter((env) => env.id !== recorded.environmentId).map((env) => env.id);
    const removed = await remove(deps, strays, options);
    return { action: 'unchanged', environmentId: recorded.environmentId, version, replaced: null, removed };
  }
  const environmentId = await buildTemplate(deps, version, release, options);
  const at = new Date(now()).toISOString();
  await hasura.request(RecordInstanceTemplate, { environmentId, version, digest, at }, options);
  const old = templates.filter((env) => env.id !== environmentId).map((env) => env.id);
  // Only a template that was recorded may be being cloned.
  if (exists && old.length > 0)
    await new Promise((resolve) => setTimeout(resolve, deps.retireAfterMs ?? 60_000));
  const removed = await remove(deps, old, options);
  return { action: recorded ? 'refreshed' : 'created', environmentId, version, replaced: recorded, removed };
}

/** A new, empty environment holding the blueprint's containers, job and stage at `release`. */
async function buildTemplate(
  deps: TemplateDeps,
  version: string,
  release: Release,
  options: CallOptions,
): Promise<string> {
  const { client, settings, now = Date.now } = deps;
  // A clone keeps every service's own variables but MariaDB's (reimported per instance): none
  // may be a secret, or every instance would share it.
  const shared = services(settings.instance).filter((spec) => spec.name !== 'mariadb');
  if (
    shared.some((spec) =>
      Object.values(spec.variables ?? {}).some((v) => typeof v === 'object' && 'secret' in v),
    )
  )
    throw new TypeError('A template must hold no per-instance secret outside MariaDB');
  const id = `${TEMPLATE}-${version.replaceAll('.', '-')}-${now().toString(36)}`;
  const environment = await client.createEnvironment(
    settings.projectId,
    environmentRequest(settings, id),
    options,
  );
  const environmentId = idOf(environment);
  try {
    const built = await fromBlueprint(client, settings, environmentId, options, release);
    await all(fittings(client, settings, built, deps.makeSecrets(), options));
    return environmentId;
  } catch (error) {
    await discard(deps, environmentId, error);
    throw error;
  }
}

async function remove(deps: TemplateDeps, ids: string[], options: CallOptions): Promise<string[]> {
  await all(ids.map((id) => destroy(deps.client, id, options)));
  return ids;
}
