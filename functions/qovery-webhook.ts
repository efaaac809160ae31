import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { handleWebhook } from '../lib/instances/webhook';
import { lambdaHandler, webhookRuntime } from '../lib/runtime';

const MARGIN_MS = 2000;

/**
 * Qovery's organization webhook (docs/deploy.md, "Qovery webhooks"): authenticated by `Qovery-Signature`,
 * the body only a hint of which environments to look at (lib/instances/webhook.ts).
 */
export const handler = lambdaHandler(
  webhookRuntime,
  async (runtime, event: APIGatewayProxyEventV2, context): Promise<APIGatewayProxyStructuredResultV2> => {
    const body =
      event.isBase64Encoded && event.body ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
    const answer = await handleWebhook(
      runtime,
      { headers: event.headers ?? {}, body },
      Date.now() + context.getRemainingTimeInMillis() - MARGIN_MS,
    );
    return { ...answer, headers: { 'content-type': 'application/json' } };
  },
);
