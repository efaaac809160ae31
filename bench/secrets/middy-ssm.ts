/** @middy/ssm: the middleware fetches on the first invocation and caches (cacheExpiry -1). */
import middy from '@middy/core';
import ssm from '@middy/ssm';
import { PATH } from './path';

export async function read(names: readonly string[]): Promise<Record<string, string | undefined>> {
  const handler = middy()
    .use(
      ssm({
        fetchData: Object.fromEntries(names.map((name) => [name, `${PATH}${name}`])),
        setToContext: true,
        cacheExpiry: -1,
      }),
    )
    .handler(async (_event: unknown, context: unknown) => context);
  const context = (await handler({}, {} as never)) as Record<string, string | undefined>;
  return Object.fromEntries(names.map((name) => [name, context[name]]));
}
