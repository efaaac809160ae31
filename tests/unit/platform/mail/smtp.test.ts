import { createSmtpSender } from '../../../../lib/platform/mail/smtp';
import { render } from '../../../../lib/platform/mail/templates';
import { freePort, type MailCatcher, startMailCatcher } from '../../../../scripts/stack';

let catcher: MailCatcher;
beforeAll(async () => {
  catcher = await startMailCatcher();
}, 40_000);
afterAll(() => catcher?.close());

describe('SMTP sender (emailjs) against the local mail catcher', () => {
  it('delivers the text and HTML parts of a template to the catcher’s inbox', async () => {
    const sender = createSmtpSender({
      from: 'Test Cloud <no-reply@app.test>',
      host: '127.0.0.1',
      port: catcher.smtpPort,
      security: 'none',
      timeoutMs: 5000,
    });
    const email = render({ kind: 'verify-email', token: 'tok_123-abc', ttlHours: 24 }, 'ada@example.com', {
      productName: 'Test Cloud',
      appUrl: 'https://app.test',
    });
    await sender.send(email);
    const [caught] = await catcher.emails();
    expect(caught).toMatchObject({
      subject: 'Confirm your email address for Test Cloud',
      to: [{ address: 'ada@example.com' }],
      from: [{ address: 'no-reply@app.test', name: 'Test Cloud' }],
    });
    expect(caught?.text).toContain('https://app.test/verify-email?token=tok_123-abc');
    expect(caught?.html).toContain('<a href="https://app.test/verify-email?token=tok_123-abc">');
  });

  it('rejects when no SMTP server answers', async () => {
    const sender = createSmtpSender({
      from: 'no-reply@app.test',
      host: '127.0.0.1',
      port: await freePort(),
      security: 'none',
      timeoutMs: 2000,
    });
    await expect(
      sender.send({ to: 'ada@example.com', subject: 's', text: 't', html: '<p>t</p>' }),
    ).rejects.toThrow();
  });
});
