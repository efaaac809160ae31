/**
 * The mailbox an address delivers to, for keying mail limits (never for storing or sending: the
 * account keeps the address as typed, lower-cased). Many addresses reach one inbox, and a limit
 * keyed on the exact string lets one inbox be flooded through them (`dave+1@…`, `dave+2@…`, `d.ave@gmail.com`):
 * - lower case (the input schema already lower-cases the whole address);
 * - `+tag` removed from the local part, whatever the domain: Gmail and Google Workspace, Outlook and
 *   Microsoft 365, iCloud, Fastmail, Proton and most self-hosted servers (Postfix's
 *   `recipient_delimiter`) deliver it to the untagged mailbox, and for a limit, merging two mailboxes
 *   where a provider does not only makes them share a budget;
 * - dots removed, and `googlemail.com` read as `gmail.com`, for Gmail, which ignores both
 *   (https://support.google.com/mail/answer/7436150).
 */
export function mailboxOf(email: string): string {
  const lower = email.trim().toLowerCase();
  const at = lower.lastIndexOf('@');
  if (at <= 0) return lower;
  let local = lower.slice(0, at);
  let domain = lower.slice(at + 1);
  const plus = local.indexOf('+');
  if (plus > 0) local = local.slice(0, plus);
  if (domain === 'googlemail.com') domain = 'gmail.com';
  if (domain === 'gmail.com') local = local.replaceAll('.', '');
  return `${local}@${domain}`;
}
