import * as v from 'valibot';
import { actionHandler, defineAction } from '../lib/action/handler';
import { ProjectId } from '../lib/basics/schemas';
import type { Projects } from '../lib/instances/projects';
import { projectsRuntime } from '../lib/runtime';

export const StartProjectInput = v.object({ id: ProjectId });

export const StartProject = defineAction({
  name: 'StartProject',
  access: 'user',
  input: StartProjectInput,
  run: ({ input, ...caller }, { projects }: { projects: Projects }) => projects.start(input.id, caller),
});

export const handler = actionHandler(StartProject, projectsRuntime);
