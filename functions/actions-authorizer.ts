import { type AuthorizerEvent, authorize } from '../lib/action/authorizer';
import { actionsAuthorizerRuntime, lambdaHandler } from '../lib/runtime';

/**
 * The authorizer of every action route (serverless.yml `actionsSecret`): lets through only the
 * calls that carry the actions' shared secret, as Hasura sends it (lib/action/authorizer.ts).
 */
export const handler = lambdaHandler(actionsAuthorizerRuntime, async (isSecret, event: AuthorizerEvent) =>
  authorize(isSecret, event),
);
