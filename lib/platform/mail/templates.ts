import type { Email } from './sender';

/**
 * Every email the product sends, in one place: text and HTML from the same words. The product's
 * name and the base of the links (the web app that calls VerifyEmail / ResetPassword with the
 * token) come from configuration (PRODUCT_NAME, APP_URL).
 */

export interface Branding {
  productName: string;
  appUrl: string;
}

export type MailTemplate =
  /** A new account: confirm the address. */
  | { kind: 'verify-email'; token: string; ttlHours: number }
  /** Signup with an address that already has an account: say so, and how to get back in. */
  | { kind: 'account-exists'; token: string; ttlHours: number }
  /** ResendVerificationEmail for an address that is already verified. */
  | { kind: 'already-verified' }
  /** ResendVerificationEmail or RequestPasswordReset for an address with no account. */
  | { kind: 'no-account'; asked: 'verification' | 'reset' }
  | { kind: 'reset-password'; token: string; ttlHours: number };

interface Parts {
  subject: string;
  /** Paragraphs; a `{ link, label }` item becomes a link (and its URL on its own line in text). */
  body: (string | { link: string; label: string })[];
}

export function render(template: MailTemplate, to: string, brand: Branding): Email {
  const { subject, body } = parts(template, brand);
  const text = body.map((p) => (typeof p === 'string' ? p : `${p.label}:\n${p.link}`)).join('\n\n');
  const html = body
    .map((p) =>
      typeof p === 'string'
        ? `<p>${escapeHtml(p)}</p>`
        : `<p><a href="${escapeHtml(p.link)}">${escapeHtml(p.label)}</a></p>`,
    )
    .join('\n');
  return {
    to,
    subject,
    text: `${text}\n\n— ${brand.productName}\n`,
    html: `<!doctype html>\n<html><body style="font-family: sans-serif; line-height: 1.5">\n${html}\n<p>— ${escapeHtml(brand.productName)}</p>\n</body></html>\n`,
  };
}

function parts(t: MailTemplate, { productName, appUrl }: Branding): Parts {
  const link = (path: string, token: string) => `${appUrl}/${path}?token=${encodeURIComponent(token)}`;
  const hours = (n: number) => (n === 1 ? '1 hour' : `${n} hours`);
  const ignore = 'If you did not ask for this, ignore this email: nothing changes.';
  switch (t.kind) {
    case 'verify-email':
      return {
        subject: `Confirm your email address for ${productName}`,
        body: [
          `Welcome to ${productName}! Confirm that this address is yours to start creating AppWrite instances.`,
          { link: link('verify-email', t.token), label: 'Confirm my email address' },
          `Or give this code to the VerifyEmail action: ${t.token}`,
          `The link works once, within ${hours(t.ttlHours)}. ${ignore}`,
        ],
      };
    case 'account-exists':
      return {
        subject: `You already have a ${productName} account`,
        body: [
          `Someone, hopefully you, tried to sign up to ${productName} with this address, but you already have an account: sign in with your password instead.`,
          { link: `${appUrl}/reset-password`, label: 'Forgot your password? Reset it' },
          'If you never confirmed this address, this link confirms it and signs you in (an account not yet confirmed takes the password you just chose):',
          { link: link('verify-email', t.token), label: 'Confirm my email address' },
          `Or give this code to the VerifyEmail action: ${t.token}`,
          `The link works once, within ${hours(t.ttlHours)}. ${ignore}`,
        ],
      };
    case 'already-verified':
      return {
        subject: `Your ${productName} email address is already confirmed`,
        body: [
          `Someone, hopefully you, asked for a new confirmation email for this address, but it is already confirmed: just sign in.`,
          { link: `${appUrl}/reset-password`, label: 'Forgot your password? Reset it' },
          ignore,
        ],
      };
    case 'no-account':
      return {
        subject:
          t.asked === 'reset' ? `Password reset for ${productName}` : `Confirmation email for ${productName}`,
        body: [
          `Someone, hopefully you, asked for ${t.asked === 'reset' ? 'a password reset' : 'a confirmation email'} for this address, but it has no ${productName} account.`,
          { link: `${appUrl}/signup`, label: `Create a ${productName} account` },
          ignore,
        ],
      };
    case 'reset-password':
      return {
        subject: `Reset your ${productName} password`,
        body: [
          `Someone, hopefully you, asked to reset the password of your ${productName} account.`,
          { link: link('reset-password', t.token), label: 'Choose a new password' },
          `Or give this code to the ResetPassword action: ${t.token}`,
          `The link works once, within ${hours(t.ttlHours)}, and signs you out everywhere. ${ignore}`,
        ],
      };
  }
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}
