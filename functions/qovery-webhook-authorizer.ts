import { type AuthorizerEvent, authorize } from '../lib/action/authorizer';
import { lambdaHandler, webhookAuthorizerRuntime } from '../lib/runtime';

/**
 * The authorizer of /qovery-webhook (serverless.yml `qoveryWebhookSecret`): lets through only the
 * calls that carry the secret Qovery was given for its webhook (lib/action/authorizer.ts).
 */
export const handler = lambdaHandler(webhookAuthorizerRuntime, async (isSecret, event: AuthorizerEvent) =>
  authorize(isSecret, event),
);
