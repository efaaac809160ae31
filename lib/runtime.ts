import type { Runtime } from './action';
import { createPasswords } from './auth/passwords';
import { createAccessTokens } from './auth/tokens';
import { type Config, type Env, loadConfig, type Section, secretsOf } from './config';
import { createHasuraClient } from './hasura/client';
import { createLogger } from './log';
import { createUsers, type Users } from './users';

/**
 * What each function builds once per cold start, from validated configuration. Handlers get it
 * through `actionHandler(action, runtime)`; tests build their own runtime with fakes instead.
 */

function base<S extends Section>(config: Config<'core' | S>, budgetMs: number) {
  const { core } = config;
  return {
    actionsSecret: core.actionsSecret,
    log: createLogger({ level: core.logLevel, secrets: secretsOf(config) }),
    budgetMs,
    hasura: createHasuraClient(core.hasura),
  };
}

export function usersRuntime(env: Env = process.env): Runtime<{ users: Users }> {
  const config = loadConfig(env, ['core', 'auth']);
  const { hasura, ...rest } = base(config, 25_000);
  const users = createUsers({
    hasura,
    passwords: createPasswords(config.auth.bcryptCost),
    accessTokens: createAccessTokens(config.core.jwt, config.auth.accessTokenTtlSeconds),
    config: config.auth,
  });
  return { ...rest, deps: { users } };
}
