/** What the operations on Qovery share: waiting for parallel calls, and reading ids and links. */
import type { LinkResponseList } from 'qovery-typescript-axios';
import { AppError } from '../basics/errors';
import type { ServiceIds } from './blueprint/variables-import';

/** Like Promise.all, but waits for every call to settle, so nothing is still in flight. */
export async function all<T extends readonly Promise<unknown>[]>(
  promises: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<unknown>).value) as {
    -readonly [K in keyof T]: Awaited<T[K]>;
  };
}

/** The id of a service by its name; an instance without it is our bug, not the caller's. */
export function need(ids: ServiceIds, name: string): string {
  const id = ids[name];
  if (!id) throw new AppError('internal-error', { cause: new Error(`No ${name} container`) });
  return id;
}

export function idOf(resource: { id?: unknown } | undefined): string {
  if (typeof resource?.id !== 'string' || resource.id === '') {
    throw new AppError('internal-error', { cause: new Error('Qovery answered without an id') });
  }
  return resource.id;
}

/** The proxy's default link (or its first usable one): the instance's public URL. */
export function publicUrl(links: LinkResponseList | undefined): string | null {
  const usable = (links?.results ?? []).filter((link) => /^https?:\/\/[^\s/]+/.test(link.url ?? ''));
  const chosen = usable.find((link) => link.is_default) ?? usable[0];
  return chosen ? chosen.url : null;
}
