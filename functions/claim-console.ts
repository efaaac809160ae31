import * as v from 'valibot';
import { actionHandler, defineAction } from '../lib/action/handler';
import { ConsolePassword, ProjectId } from '../lib/basics/schemas';
import type { Projects } from '../lib/instances/projects';
import { consoleRuntime } from '../lib/runtime';

export const ClaimConsoleInput = v.object({ id: ProjectId, password: ConsolePassword });

/**
 * The owner chooses their own password for their instance's AppWrite console (the control plane
 * took the seat for them with a derived one: lib/instances/console-seat). Only the owner's project is found;
 * the password is never logged nor kept.
 */
export const ClaimConsole = defineAction({
  name: 'ClaimConsole',
  access: 'user',
  input: ClaimConsoleInput,
  run: ({ input, ...caller }, { projects }: { projects: Pick<Projects, 'claimConsole'> }) =>
    projects.claimConsole(input.id, input.password, caller),
});

export const handler = actionHandler(ClaimConsole, consoleRuntime);
