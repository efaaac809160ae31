import * as v from 'valibot';
import { actionHandler, defineAction } from '../lib/action/handler';
import { ProjectId } from '../lib/basics/schemas';
import type { Projects } from '../lib/instances/projects';
import { projectsRuntime } from '../lib/runtime';

export const DeleteProjectInput = v.object({ id: ProjectId });

export const DeleteProject = defineAction({
  name: 'DeleteProject',
  access: 'user',
  input: DeleteProjectInput,
  run: ({ input, ...caller }, { projects }: { projects: Projects }) => projects.remove(input.id, caller),
});

export const handler = actionHandler(DeleteProject, projectsRuntime);
