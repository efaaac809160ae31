import type { Logger } from '../../basics/log';
import type { MailSender } from './sender';
import { createSesSender } from './ses';
import type { MailConfig } from './settings';
import { type Branding, type MailTemplate, render } from './templates';

export type { Email, MailSender } from './sender';
export type { Branding, MailTemplate } from './templates';

/** The sender the configuration names (MAIL_TRANSPORT=ses|smtp). */
export function createSender(config: MailConfig): MailSender {
  const { transport, from, timeoutMs } = config;
  return transport.kind === 'ses'
    ? createSesSender({
        from,
        region: transport.region,
        configurationSet: transport.configurationSet,
        timeoutMs,
      })
    : lazySender(() =>
        import('./smtp').then((smtp) => smtp.createSmtpSender({ from, timeoutMs, ...transport })),
      );
}

/** A sender whose code is loaded on its first email: the SMTP client stays out of a cold start. */
function lazySender(load: () => Promise<MailSender>): MailSender {
  let sender: Promise<MailSender> | undefined;
  return {
    async send(email, options) {
      sender ??= load();
      return (await sender).send(email, options);
    },
  };
}

/** Sends the product's emails. Never throws: a failed email is logged and the caller answers as usual. */
export interface Mailer {
  deliver(to: string, template: MailTemplate, options?: { deadline?: number; log?: Logger }): Promise<void>;
}

export function createMailer(sender: MailSender, branding: Branding, defaultLog?: Logger): Mailer {
  return {
    async deliver(to, template, { deadline, log = defaultLog } = {}) {
      try {
        await sender.send(render(template, to, branding), { deadline });
      } catch (error) {
        // The account (or ticket) is already stored: the user can ask for the email again.
        log?.warn('email not sent', { template: template.kind, error });
      }
    },
  };
}
