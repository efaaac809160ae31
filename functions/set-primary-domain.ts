import * as v from 'valibot';
import { actionHandler, defineAction } from '../lib/action/handler';
import { DomainName, ProjectId } from '../lib/basics/schemas';
import type { Domains } from '../lib/instances/domains';
import { domainsRuntime } from '../lib/runtime';

export const SetPrimaryDomainInput = v.object({ projectId: ProjectId, domain: v.nullish(DomainName) });

/** The name the instance uses for itself: an ACTIVE custom domain, or null for its generated host. */
export const SetPrimaryDomain = defineAction({
  name: 'SetPrimaryDomain',
  access: 'user',
  input: SetPrimaryDomainInput,
  run: ({ input, ...caller }, { domains }: { domains: Domains }) =>
    domains.setPrimary(input.projectId, input.domain ?? null, caller),
});

export const handler = actionHandler(SetPrimaryDomain, domainsRuntime);
