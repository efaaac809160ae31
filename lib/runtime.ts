import type { Runtime } from './action';
import { createPasswords } from './auth/passwords';
import { createAccessTokens } from './auth/tokens';
import { type Config, type Env, loadConfig, type Section, secretsOf } from './config';
import { createHasuraClient } from './hasura/client';
import { createLogger } from './log';
import { createProjects, type Projects } from './projects';
import { createQoveryClient } from './qovery/client';
import { createInstances } from './qovery/instances';
import { createUsers, type Users } from './users';

/**
 * What each function builds once per cold start, from validated configuration. Handlers get it
 * through `actionHandler(action, runtime)`; tests build their own runtime with fakes instead.
 */

function base<S extends Section>(config: Config<'core' | S>) {
  const { core } = config;
  return {
    actionsSecret: core.actionsSecret,
    log: createLogger({ level: core.logLevel, secrets: secretsOf(config) }),
    budgetMs: core.actionBudgetMs,
    hasura: createHasuraClient(core.hasura),
  };
}

export function usersRuntime(env: Env = process.env): Runtime<{ users: Users }> {
  const config = loadConfig(env, ['core', 'auth']);
  const { hasura, ...rest } = base(config);
  const users = createUsers({
    hasura,
    passwords: createPasswords(config.auth.bcryptCost),
    accessTokens: createAccessTokens(config.core.jwt, config.auth.accessTokenTtlSeconds),
    config: config.auth,
  });
  return { ...rest, deps: { users } };
}

export function projectsRuntime(env: Env = process.env): Runtime<{ projects: Projects }> {
  const config = loadConfig(env, ['core', 'qovery']);
  const { qovery } = config;
  const { hasura, ...rest } = base(config);
  const client = createQoveryClient({ baseUrl: qovery.apiUrl, token: qovery.token });
  const instances = createInstances({ client, settings: qovery, log: rest.log });
  const projects = createProjects({ hasura, instances, maxProjectsPerUser: qovery.maxProjectsPerUser });
  return { ...rest, deps: { projects } };
}
