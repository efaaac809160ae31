import * as v from 'valibot';
import { actionHandler, defineAction } from '../lib/action/handler';
import { ProjectId } from '../lib/basics/schemas';
import type { Projects } from '../lib/instances/projects';
import { projectsRuntime } from '../lib/runtime';

export const ProjectStatusInput = v.object({ id: ProjectId });

export const ProjectStatus = defineAction({
  name: 'ProjectStatus',
  access: 'user',
  input: ProjectStatusInput,
  run: ({ input, ...caller }, { projects }: { projects: Projects }) => projects.status(input.id, caller),
});

export const handler = actionHandler(ProjectStatus, projectsRuntime);
