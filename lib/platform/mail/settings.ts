import type { EnvReader } from '../../basics/settings';
import type { SmtpSenderOptions } from './smtp';

/** Who sends the emails, and what they say about the product. */
export interface MailConfig {
  productName: string;
  /** Base of the links in emails: <appUrl>/verify-email?token=…, <appUrl>/reset-password?token=… */
  appUrl: string;
  from: string;
  transport:
    | { kind: 'ses'; region?: string; configurationSet?: string }
    | ({ kind: 'smtp' } & Omit<SmtpSenderOptions, 'from' | 'timeoutMs'>);
  timeoutMs: number;
}

export function readMail(r: EnvReader): MailConfig {
  // Every setting is read whatever the transport, so that each is declared to packaging.
  /**
   * MAIL_TRANSPORT: How the account emails (verification, password reset) are sent: Amazon SES through the
   * function's IAM role, or an SMTP server.
   */
  const kind = r.oneOf('MAIL_TRANSPORT', ['ses', 'smtp'] as const, 'ses');
  /**
   * MAIL_FROM: The sender of the account emails: an address, or a name and an address.
   * @example "AppWrite Cloud <no-reply@example.com>"
   */
  const from = r.string('MAIL_FROM');
  if (from !== '' && !/^([^<>]*<)?[^\s@<>]+@[^\s@<>]+>?$/.test(from))
    r.problems.push(
      'MAIL_FROM must be an address, or a name and an address: AppWrite Cloud <no-reply@example.com>',
    );
  const ses = {
    /** SES_REGION: With MAIL_TRANSPORT=ses, SES's region when it is not the function's own (AWS_REGION). */
    region: r.optional('SES_REGION'),
    /**
     * SES_CONFIGURATION_SET: With MAIL_TRANSPORT=ses, the SES configuration set the emails are sent
     * with (event publishing, suppression), if any.
     */
    configurationSet: r.optional('SES_CONFIGURATION_SET'),
  };
  const smtp = {
    /** SMTP_HOST: With MAIL_TRANSPORT=smtp, the SMTP server; required then. */
    host: r.optional('SMTP_HOST'),
    /** SMTP_PORT: With MAIL_TRANSPORT=smtp, the SMTP server's port. */
    port: r.int('SMTP_PORT', 587, 1, 65535),
    /**
     * SMTP_SECURITY: With MAIL_TRANSPORT=smtp: tls from the first byte (usually port 465), starttls (587),
     * or none (a local catcher only).
     */
    security: r.oneOf('SMTP_SECURITY', ['tls', 'starttls', 'none'] as const, 'starttls'),
    /** SMTP_USER: With MAIL_TRANSPORT=smtp, the user name, when the server asks for one. */
    user: r.optional('SMTP_USER'),
    /**
     * SMTP_PASSWORD: With MAIL_TRANSPORT=smtp, the password of SMTP_USER; a secret, left out when the
     * server needs none.
     */
    password: r.optionalSecret('SMTP_PASSWORD'),
  };
  if (kind === 'smtp' && smtp.host === undefined)
    r.problems.push('SMTP_HOST is required when MAIL_TRANSPORT=smtp');
  return {
    /** PRODUCT_NAME: The product's name as the emails say it. */
    productName: r.string('PRODUCT_NAME', 'AppWrite Cloud'),
    /**
     * APP_URL: The web app's address: the base of the links in emails (<APP_URL>/verify-email?token=…,
     * <APP_URL>/reset-password?token=…).
     * @example https://app.example.com
     */
    appUrl: r.url('APP_URL'),
    from,
    transport: kind === 'ses' ? { kind, ...ses } : { kind, ...smtp, host: smtp.host ?? '' },
    /** MAIL_TIMEOUT_MS: Time sending one email may take, cut to what is left of the action's budget. */
    timeoutMs: r.int('MAIL_TIMEOUT_MS', 5000, 500, 20000),
  };
}
