import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { ACTIONS_SECRET, type Scenario } from './scenarios';

/** The API Gateway (HTTP API, payload 2.0) event of Hasura calling the scenario's action. */
export function actionEvent(scenario: Scenario, requestId = 'bench'): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/action',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', 'x-actions-secret': ACTIONS_SECRET },
    requestContext: {
      requestId,
      http: { method: 'POST', path: '/action' },
    } as APIGatewayProxyEventV2['requestContext'],
    body: JSON.stringify({
      action: { name: scenario.action },
      input: { input: scenario.input },
      session_variables: scenario.session,
      request_query: `mutation { ${scenario.action}(input: ${JSON.stringify(scenario.input)}) { __typename } }`,
    }),
    isBase64Encoded: false,
  };
}

export function lambdaContext(requestId = 'bench'): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'bench',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-3:000000000000:function:bench',
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: '/aws/lambda/bench',
    logStreamName: 'bench',
    getRemainingTimeInMillis: () => 29_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
