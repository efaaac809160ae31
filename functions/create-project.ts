import * as v from 'valibot';
import { actionHandler, defineAction } from '../lib/action/handler';
import { ProjectName } from '../lib/basics/schemas';
import type { Projects } from '../lib/instances/projects';
import { projectsRuntime } from '../lib/runtime';

export const CreateProjectInput = v.object({ name: ProjectName });

export const CreateProject = defineAction({
  name: 'CreateProject',
  access: 'user',
  input: CreateProjectInput,
  run: ({ input, ...caller }, { projects }: { projects: Projects }) => projects.create(input.name, caller),
});

export const handler = actionHandler(CreateProject, projectsRuntime);
