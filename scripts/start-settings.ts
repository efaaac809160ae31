/**
 * The variables `npm start` (scripts/start.ts, scripts/stack.ts) reads for itself, never a
 * function: where the local stack listens and how fast its stand-ins move. Declared here once, so
 * that start.ts takes its defaults from this table and docs/configuration.md and .env.example
 * (scripts/settings-docs.ts) list exactly these.
 */
export const START_VARIABLES = {
  ACTIONS_HOST: {
    fallback: '127.0.0.1',
    description:
      'Where serverless-offline serves the handlers (serverless.yml). With the Hasura of docker-compose.yml on Linux Docker Engine, use 0.0.0.0 (host.docker.internal is the docker0 bridge address there, not 127.0.0.1).',
  },
  ACTIONS_PORT: {
    fallback: '3000',
    description: 'The HTTP port of the action handlers (serverless-offline).',
  },
  ACTIONS_LAMBDA_PORT: { fallback: '3002', description: "serverless-offline's Lambda invocation port." },
  HASURA_PORT: { fallback: '8080', description: 'The Hasura stand-in (GraphQL, WebSocket subscriptions).' },
  QOVERY_STANDIN_PORT: { fallback: '4001', description: 'The Qovery stand-in (its REST API).' },
  S3_STANDIN_PORT: {
    fallback: '4569',
    description: 'The S3 stand-in (s3rver): one bucket per instance, in .local/s3.',
  },
  MAIL_CATCHER_SMTP_PORT: { fallback: '1025', description: 'The SMTP port of the mail catcher (MailDev).' },
  MAIL_CATCHER_WEB_PORT: { fallback: '1080', description: 'The web inbox of the mail catcher (MailDev).' },
  QOVERY_STANDIN_STEP_MS: {
    fallback: '1500',
    description:
      'How long the Qovery stand-in takes for each step of a deployment (e.g. DEPLOYING to DEPLOYED).',
  },
  RECONCILE_EVERY_MS: {
    fallback: '2000',
    description:
      'How often the local reconciler runs (production: every minute), so that statuses move as you watch.',
  },
  QOVERY_STANDIN_RATE_LIMIT: {
    fallback: '',
    description:
      "Qovery's request budget per API token, as <requests>/<seconds> (e.g. 1000/3600), for a run that must show the control plane keeps within it; off when empty.",
  },
} as const satisfies Record<string, { fallback: string; description: string }>;

export type StartVariable = keyof typeof START_VARIABLES;

/** A start variable from the environment (or .env), else its default. */
export function startSetting(name: StartVariable, env: NodeJS.ProcessEnv = process.env): string {
  return env[name]?.trim() || START_VARIABLES[name].fallback;
}
