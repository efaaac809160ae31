import * as v from 'valibot';
import { actionHandler, defineAction } from '../lib/action';
import type { Projects } from '../lib/projects';
import { projectsRuntime } from '../lib/runtime';
import { ProjectId } from '../lib/schemas';

export const StartProjectInput = v.object({ id: ProjectId });

export const StartProject = defineAction({
  name: 'StartProject',
  access: 'user',
  input: StartProjectInput,
  run: ({ input, ...caller }, { projects }: { projects: Projects }) => projects.start(input.id, caller),
});

export const handler = actionHandler(StartProject, projectsRuntime);
