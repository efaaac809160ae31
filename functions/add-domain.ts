import * as v from 'valibot';
import { actionHandler, defineAction } from '../lib/action/handler';
import { limitKey } from '../lib/action/rate-limit';
import { DomainName, ProjectId } from '../lib/basics/schemas';
import type { Domains } from '../lib/instances/domains';
import { domainsRuntime } from '../lib/runtime';

const Flag = v.nullish(v.boolean());

export const AddDomainInput = v.object({
  projectId: ProjectId,
  domain: DomainName,
  cdn: Flag,
  cnameFlattening: Flag,
});

/** Each name asks Let's Encrypt for a certificate: a user adds at most this many an hour. */
export const ADDS_PER_USER_PER_HOUR = 20;

/** Serves the owner's instance from their own name: answers the CNAME record to create. */
export const AddDomain = defineAction({
  name: 'AddDomain',
  access: 'user',
  input: AddDomainInput,
  limits: ({ userId }) => [
    { key: limitKey('add-domain', 'user', userId), max: ADDS_PER_USER_PER_HOUR, windowSeconds: 3600 },
  ],
  run: ({ input, ...caller }, { domains }: { domains: Domains }) =>
    domains.add(
      input.projectId,
      { domain: input.domain, cdn: input.cdn === true, cnameFlattening: input.cnameFlattening === true },
      caller,
    ),
});

export const handler = actionHandler(AddDomain, domainsRuntime);
