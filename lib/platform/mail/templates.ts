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
  /**
   * An account not verified yet (a new one, or a Signup again): confirm the address AND choose the
   * password there. The link carries no password: the one typed at Signup may be a stranger's
   * (lib/accounts/signup.ts), so the password that counts is the one typed by whoever opens this.
   */
  | { kind: 'verify-email'; token: string; ttlHours: number }
  /** Signup with an address whose account is verified: say so, and how to get back in (no link to spend). */
  | { kind: 'account-exists' }
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
          `Welcome to ${productName}! Confirm that this address is yours, and choose your password there, to start creating AppWrite instances.`,
          { link: link('verify-email', t.token), label: 'Confirm my email address and choose my password' },
          `Or give this code, with the password you choose, to the VerifyEmail action: ${t.token}`,
          `The link works once, within ${hours(t.ttlHours)}; it ends every earlier link and every session of the account. ${ignore}`,
        ],
      };
    case 'account-exists':
      return {
        subject: `You already have a ${productName} account`,
        body: [
          `Someone, hopefully you, tried to sign up to ${productName} with this address, but you already have an account: sign in with your password instead.`,
          { link: `${appUrl}/reset-password`, label: 'Forgot your password? Reset it' },
          ignore,
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
