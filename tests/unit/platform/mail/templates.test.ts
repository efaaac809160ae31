import { createMailer, type MailTemplate } from '../../../../lib/platform/mail';
import { render } from '../../../../lib/platform/mail/templates';
import { memoryLogger } from '../../../helpers/lambda';

const brand = { productName: 'Acme <Cloud>', appUrl: 'https://cloud.acme.test' };
const templates: MailTemplate[] = [
  { kind: 'verify-email', token: 'tok', ttlHours: 24 },
  { kind: 'account-exists' },
  { kind: 'already-verified' },
  { kind: 'no-account', asked: 'verification' },
  { kind: 'no-account', asked: 'reset' },
  { kind: 'reset-password', token: 'tok', ttlHours: 1 },
];

describe('email templates', () => {
  it.each(templates.map((t) => [t.kind, t] as const))(
    '%s has a subject, a text part and an HTML part naming the product',
    (_kind, template) => {
      const email = render(template, 'ada@example.com', brand);
      expect(email.to).toBe('ada@example.com');
      expect(email.subject).toContain('Acme <Cloud>');
      expect(email.text).toContain('Acme <Cloud>');
      expect(email.html).toContain('Acme &lt;Cloud&gt;');
      expect(email.html).not.toContain('Acme <Cloud>');
      expect(email.text).toContain('https://cloud.acme.test/');
    },
  );

  it('puts the token in a link under the configured base, by purpose', () => {
    expect(render(templates[0] as MailTemplate, 'a@b.co', brand).text).toContain(
      'https://cloud.acme.test/verify-email?token=tok',
    );
    expect(render(templates[5] as MailTemplate, 'a@b.co', brand).html).toContain(
      'href="https://cloud.acme.test/reset-password?token=tok"',
    );
  });

  it('gives no token to the emails that must not carry one', () => {
    for (const template of templates.slice(1, 5))
      expect(render(template, 'a@b.co', brand).text).not.toContain('token=');
  });
});

describe('mailer', () => {
  it('never throws when the sender fails, and logs the failure without the email’s content', async () => {
    const memory = memoryLogger();
    const mailer = createMailer(
      {
        send: async () => {
          throw new Error('connection refused');
        },
      },
      brand,
    );
    await expect(
      mailer.deliver(
        'ada@example.com',
        { kind: 'reset-password', token: 'secret-token', ttlHours: 1 },
        { log: memory.log },
      ),
    ).resolves.toBeUndefined();
    expect(memory.lines).toEqual([
      expect.objectContaining({ level: 'warn', message: 'email not sent', template: 'reset-password' }),
    ]);
    expect(memory.text()).not.toContain('secret-token');
  });
});
