// Every test process starts from one complete, valid configuration (development values only).
// Tests that check configuration errors build their own environment objects instead.
// Secrets come from the environment, as with `npm start`: no SECRETS_SSM_PATH, so no AWS at all.
Object.assign(process.env, {
  HASURA_GRAPHQL_ENDPOINT: 'http://127.0.0.1:1/v1/graphql',
  HASURA_GRAPHQL_ADMIN_SECRET: 'test-admin-secret',
  HASURA_GRAPHQL_JWT_SECRET: JSON.stringify({
    type: 'HS256',
    key: 'test-jwt-key-that-is-at-least-32-characters',
  }),
  ACTIONS_SECRET: 'test-actions-secret-0123456789',
  LOG_LEVEL: 'silent',
  // Rate limits loose enough for every test that does not test them (those build their own).
  RATE_LIMIT_PER_USER: '100000',
  RATE_LIMIT_PER_ADDRESS: '100000',
  SIGNUPS_PER_ADDRESS_PER_HOUR: '100000',
  SIGNUPS_PER_HOUR: '100000',
  SIGNIN_MAX_FAILURES: '1000',
  SIGNIN_MAX_FAILURES_PER_EMAIL: '100000',
});
Object.assign(process.env, {
  QOVERY_API_URL: 'http://127.0.0.1:1',
  QOVERY_API_TOKEN: 'test-qovery-token',
  CONSOLE_CLAIM_KEY: 'test-console-claim-key-0123456789abcdef',
  // Qovery ids are UUIDs (lib/instances/settings.ts refuses anything else).
  QOVERY_PROJECT_ID: '00000000-0000-4000-8000-00000000c10d',
  QOVERY_REGISTRY_ID: '00000000-0000-4000-8000-0000000d0c4e',
  QOVERY_WEBHOOK_SECRET: 'test-qovery-webhook-secret-0123',
  // Amazon S3 is the default provider: its bucket names need this deployment's random part.
  STORAGE_BUCKET_ID: '0a1b2c3d4e',
});
Object.assign(process.env, {
  APP_URL: 'https://app.test',
  MAIL_FROM: 'Test Cloud <no-reply@app.test>',
  MAIL_TRANSPORT: 'smtp',
  SMTP_HOST: '127.0.0.1',
  SMTP_PORT: '1',
  SMTP_SECURITY: 'none',
});
delete process.env.SECRETS_SSM_PATH;
