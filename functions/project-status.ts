import * as v from 'valibot';
import { actionHandler, defineAction } from '../lib/action';
import type { Projects } from '../lib/projects';
import { projectsRuntime } from '../lib/runtime';
import { ProjectId } from '../lib/schemas';

export const ProjectStatusInput = v.object({ id: ProjectId });

export const ProjectStatus = defineAction({
  name: 'ProjectStatus',
  access: 'user',
  input: ProjectStatusInput,
  run: ({ input, ...caller }, { projects }: { projects: Projects }) => projects.status(input.id, caller),
});

export const handler = actionHandler(ProjectStatus, projectsRuntime);
