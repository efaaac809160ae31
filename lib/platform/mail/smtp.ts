import { Message, SMTPClient } from 'emailjs';
import { type Email, type MailSender, sendBudgetMs } from './sender';

export interface SmtpSenderOptions {
  from: string;
  host: string;
  port: number;
  /** 'tls': TLS from the first byte (port 465); 'starttls': upgrade required (587); 'none': local catchers. */
  security: 'tls' | 'starttls' | 'none';
  user?: string;
  password?: string;
  timeoutMs: number;
}

/**
 * Any SMTP provider, through emailjs: a maintained SMTP client with no dependencies, 23 KB minified
 * in a bundle (nodemailer is 222 KB, more than a whole function may weigh: see BENCHMARKS.md).
 */
export function createSmtpSender(options: SmtpSenderOptions): MailSender {
  const client = new SMTPClient({
    host: options.host,
    port: options.port,
    ssl: options.security === 'tls',
    tls: options.security === 'starttls',
    timeout: options.timeoutMs,
    ...(options.user !== undefined ? { user: options.user, password: options.password ?? '' } : {}),
    // emailjs logs protocol lines (credentials included) through this: keep it silent.
    logger: () => {},
  });
  return {
    async send(email: Email, { deadline } = {}) {
      const message = new Message({
        from: options.from,
        to: email.to,
        subject: email.subject,
        text: email.text,
        attachment: [{ data: email.html, alternative: true }],
      });
      let timer: NodeJS.Timeout | undefined;
      const budget = sendBudgetMs(options.timeoutMs, deadline);
      try {
        await Promise.race([
          client.sendAsync(message),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`SMTP send timed out after ${budget} ms`)), budget);
          }),
        ]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
