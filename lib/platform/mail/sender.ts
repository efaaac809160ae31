/** One email, ready to send: a text part and an HTML part. */
export interface Email {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Where emails go: Amazon SES (lib/platform/mail/ses.ts) or any SMTP server (lib/platform/mail/smtp.ts). */
export interface MailSender {
  /** Resolves once the provider accepted the email; rejects on any failure (callers decide). */
  send(email: Email, options?: { deadline?: number }): Promise<void>;
}

/** Time left for one send: the sender's own timeout, cut to the caller's deadline. */
export function sendBudgetMs(timeoutMs: number, deadline?: number): number {
  const left = deadline === undefined ? timeoutMs : Math.min(timeoutMs, deadline - Date.now());
  return Math.max(left, 1);
}
