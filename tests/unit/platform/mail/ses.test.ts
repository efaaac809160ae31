import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { createSesSender, type SesClient } from '../../../../lib/platform/mail/ses';

const email = { to: 'ada@example.com', subject: 'Hello', text: 'Hi Ada', html: '<p>Hi Ada</p>' };

function fakeClient(fail?: Error) {
  const sent: { command: unknown; abortSignal?: AbortSignal }[] = [];
  const client = {
    send: async (command: unknown, options?: { abortSignal?: AbortSignal }) => {
      sent.push({ command, abortSignal: options?.abortSignal });
      if (fail) throw fail;
      return { MessageId: 'm-1' };
    },
  } as unknown as SesClient;
  return { client, sent };
}

describe('SES sender (v2 SendEmail)', () => {
  it('sends one SendEmail with the text and HTML parts, from the configured address', async () => {
    const { client, sent } = fakeClient();
    await createSesSender({ from: 'Cloud <no-reply@example.com>', timeoutMs: 2000, client }).send(email);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.command).toBeInstanceOf(SendEmailCommand);
    expect((sent[0]?.command as SendEmailCommand | undefined)?.input).toEqual({
      FromEmailAddress: 'Cloud <no-reply@example.com>',
      Destination: { ToAddresses: ['ada@example.com'] },
      Content: {
        Simple: {
          Subject: { Data: 'Hello', Charset: 'UTF-8' },
          Body: {
            Text: { Data: 'Hi Ada', Charset: 'UTF-8' },
            Html: { Data: '<p>Hi Ada</p>', Charset: 'UTF-8' },
          },
        },
      },
    });
    expect(sent[0]?.abortSignal).toBeInstanceOf(AbortSignal);
  });

  it('names the configuration set when there is one', async () => {
    const { client, sent } = fakeClient();
    await createSesSender({ from: 'a@example.com', configurationSet: 'cloud', timeoutMs: 2000, client }).send(
      email,
    );
    expect((sent[0]?.command as SendEmailCommand | undefined)?.input.ConfigurationSetName).toBe('cloud');
  });

  it('rejects when SES refuses (the mailer decides what the user sees)', async () => {
    const { client } = fakeClient(new Error('MessageRejected: Email address is not verified.'));
    await expect(
      createSesSender({ from: 'a@example.com', timeoutMs: 2000, client }).send(email),
    ).rejects.toThrow(/MessageRejected/);
  });
});
