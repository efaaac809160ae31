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
  const kind = r.oneOf('MAIL_TRANSPORT', ['ses', 'smtp'] as const, 'ses');
  const from = r.string('MAIL_FROM');
  if (from !== '' && !/^([^<>]*<)?[^\s@<>]+@[^\s@<>]+>?$/.test(from))
    r.problems.push(
      'MAIL_FROM must be an address, or a name and an address: AppWrite Cloud <no-reply@example.com>',
    );
  // SES_REGION only when SES is used in another region than the function's (AWS_REGION, Lambda's own).
  const ses = { region: r.optional('SES_REGION'), configurationSet: r.optional('SES_CONFIGURATION_SET') };
  const smtp = {
    host: r.optional('SMTP_HOST'),
    port: r.int('SMTP_PORT', 587, 1, 65535),
    security: r.oneOf('SMTP_SECURITY', ['tls', 'starttls', 'none'] as const, 'starttls'),
    user: r.optional('SMTP_USER'),
    password: r.optionalSecret('SMTP_PASSWORD'),
  };
  if (kind === 'smtp' && smtp.host === undefined)
    r.problems.push('SMTP_HOST is required when MAIL_TRANSPORT=smtp');
  return {
    productName: r.string('PRODUCT_NAME', 'AppWrite Cloud'),
    appUrl: r.url('APP_URL'),
    from,
    transport: kind === 'ses' ? { kind, ...ses } : { kind, ...smtp, host: smtp.host ?? '' },
    timeoutMs: r.int('MAIL_TIMEOUT_MS', 5000, 500, 20000),
  };
}
