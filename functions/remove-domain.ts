import * as v from 'valibot';
import { actionHandler, defineAction } from '../lib/action/handler';
import { DomainName, ProjectId } from '../lib/basics/schemas';
import type { Domains } from '../lib/instances/domains';
import { domainsRuntime } from '../lib/runtime';

export const RemoveDomainInput = v.object({ projectId: ProjectId, domain: DomainName });

/** Stops serving the instance from one of its names (back to the generated host if it was the primary). */
export const RemoveDomain = defineAction({
  name: 'RemoveDomain',
  access: 'user',
  input: RemoveDomainInput,
  run: ({ input, ...caller }, { domains }: { domains: Domains }) =>
    domains.remove(input.projectId, input.domain, caller),
});

export const handler = actionHandler(RemoveDomain, domainsRuntime);
