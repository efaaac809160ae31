import { createMailer, type Email, type Mailer, type MailSender } from '../../lib/platform/mail';

export const BRANDING = { productName: 'Test Cloud', appUrl: 'https://app.test' };

/** A sender that keeps what it is given (or fails, when told to), behind the real Mailer. */
export function memoryMail(): {
  mailer: Mailer;
  sender: MailSender;
  sent: Email[];
  failing: { on: boolean };
} {
  const sent: Email[] = [];
  const failing = { on: false };
  const sender: MailSender = {
    async send(email) {
      if (failing.on) throw new Error('SMTP said 421 try later');
      sent.push(email);
    },
  };
  return { mailer: createMailer(sender, BRANDING), sender, sent, failing };
}

/** The token of the first link of an email (…?token=<token>). */
export function tokenIn(email: Email | undefined): string {
  const match = /\?token=([\w-]+)/.exec(email?.text ?? '');
  if (!match?.[1]) throw new Error(`no token in ${JSON.stringify(email?.text)}`);
  return match[1];
}
