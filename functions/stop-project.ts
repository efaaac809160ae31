import * as v from 'valibot';
import { actionHandler, defineAction } from '../lib/action/handler';
import { ProjectId } from '../lib/basics/schemas';
import type { Projects } from '../lib/instances/projects';
import { projectsRuntime } from '../lib/runtime';

export const StopProjectInput = v.object({ id: ProjectId });

export const StopProject = defineAction({
  name: 'StopProject',
  access: 'user',
  input: StopProjectInput,
  run: ({ input, ...caller }, { projects }: { projects: Projects }) => projects.stop(input.id, caller),
});

export const handler = actionHandler(StopProject, projectsRuntime);
