import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { type Email, type MailSender, sendBudgetMs } from './sender';

/** The part of the SES v2 client this sender uses (tests pass a fake one). */
export type SesClient = Pick<SESv2Client, 'send'>;

export interface SesSenderOptions {
  from: string;
  region?: string;
  configurationSet?: string;
  timeoutMs: number;
  /** Built from the AWS SDK on first use when absent. */
  client?: SesClient;
}

/**
 * Amazon SES (v2 API, SendEmail with simple content). The AWS SDK is provided by the Lambda
 * runtime and left out of the bundles (serverless.yml excludes @aws-sdk/*); it is loaded on the
 * first email only, so functions that send none never pay for it.
 */
export function createSesSender({
  from,
  region,
  configurationSet,
  timeoutMs,
  client,
}: SesSenderOptions): MailSender {
  let sdk: Promise<{
    client: SesClient;
    SendEmailCommand: typeof import('@aws-sdk/client-sesv2').SendEmailCommand;
  }>;
  const load = () => {
    sdk ??= import('@aws-sdk/client-sesv2').then((m) => ({
      client: client ?? new m.SESv2Client(region ? { region } : {}),
      SendEmailCommand: m.SendEmailCommand,
    }));
    return sdk;
  };
  return {
    async send(email: Email, { deadline } = {}) {
      const { client, SendEmailCommand } = await load();
      const command = new SendEmailCommand({
        FromEmailAddress: from,
        Destination: { ToAddresses: [email.to] },
        Content: {
          Simple: {
            Subject: { Data: email.subject, Charset: 'UTF-8' },
            Body: {
              Text: { Data: email.text, Charset: 'UTF-8' },
              Html: { Data: email.html, Charset: 'UTF-8' },
            },
          },
        },
        ...(configurationSet ? { ConfigurationSetName: configurationSet } : {}),
      });
      await client.send(command, { abortSignal: AbortSignal.timeout(sendBudgetMs(timeoutMs, deadline)) });
    },
  };
}
