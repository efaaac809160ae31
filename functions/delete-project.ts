import * as v from 'valibot';
import { actionHandler, defineAction } from '../lib/action';
import type { Projects } from '../lib/projects';
import { projectsRuntime } from '../lib/runtime';
import { ProjectId } from '../lib/schemas';

export const DeleteProjectInput = v.object({ id: ProjectId });

export const DeleteProject = defineAction({
  name: 'DeleteProject',
  access: 'user',
  input: DeleteProjectInput,
  run: ({ input, ...caller }, { projects }: { projects: Projects }) => projects.remove(input.id, caller),
});

export const handler = actionHandler(DeleteProject, projectsRuntime);
