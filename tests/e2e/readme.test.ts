import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSecrets, ROOT, type Stack, startStack } from '../../scripts/stack';

/**
 * The README's walkthrough, run as written: every ```sh block between the `walkthrough` markers,
 * in order, in one bash, against a stack started here. Only the GraphQL URL is changed (the stack
 * listens on a free port, not 8080), so the README and the system cannot drift apart.
 */

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

function walkthroughBlocks(markdown: string): string[] {
  const begin = markdown.indexOf('<!-- walkthrough:begin -->');
  const end = markdown.indexOf('<!-- walkthrough:end -->');
  if (begin < 0 || end < begin) throw new Error('README.md has no walkthrough markers');
  return [...markdown.slice(begin, end).matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
}

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ secrets: generateSecrets(), qoveryStepMs: 50 });
}, 300_000);
afterAll(async () => {
  await stack?.close();
});

describe('README walkthrough', () => {
  const blocks = walkthroughBlocks(README);

  it('has a curl for the session and project actions, and the listing', () => {
    // The account actions that came with email verification (password reset and change, account
    // deletion, resending the email) have no walkthrough step yet.
    const actions = [
      'Signup',
      'VerifyEmail',
      'Signin',
      'RefreshToken',
      'Signout',
      'CreateProject',
      'StartProject',
      'StopProject',
      'DeleteProject',
      'ProjectStatus',
    ];
    const script = blocks.join('\n');
    for (const action of actions)
      expect({ action, used: script.includes(`${action}(input:`) }).toEqual({ action, used: true });
    expect(script).toContain('{ project { id name url status } }');
  });

  it('runs as written against a fresh stack: every step answers data, none an error', async () => {
    const defaultUrl = 'GQL=http://127.0.0.1:8080/v1/graphql';
    expect(blocks[0]).toContain(defaultUrl);
    const defaultInbox = 'MAIL=http://127.0.0.1:1080';
    expect(blocks[0]).toContain(defaultInbox);
    // The test's stack listens on free ports: point the README's two addresses at them.
    const script = ['set -eu', ...blocks]
      .join('\n')
      .replace(defaultUrl, `GQL=${stack.graphqlUrl}`)
      .replace(defaultInbox, `MAIL=${stack.mail.webUrl}`);
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
      execFile('bash', ['-c', script], { cwd: ROOT, timeout: 120_000 }, (error, out, err) =>
        error ? reject(new Error(`${error.message}\n${out}\n${err}`)) : resolve({ stdout: out, stderr: err }),
      );
    });
    expect(stderr).toBe('');
    const answers = stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { data?: Record<string, unknown>; errors?: unknown });
    expect(answers.filter((a) => a.errors !== undefined)).toEqual([]);
    const fields = answers.flatMap((a) => Object.keys(a.data ?? {}));
    for (const field of [
      'Signup',
      'VerifyEmail',
      'Signin',
      'CreateProject',
      'StartProject',
      'ProjectStatus',
      'project',
      'StopProject',
      'DeleteProject',
      'RefreshToken',
      'Signout',
    ])
      expect(fields).toContain(field);
    const statuses = answers.flatMap((a) => {
      const status = (a.data?.ProjectStatus as { status?: string } | undefined)?.status;
      return status ? [status] : [];
    });
    expect(statuses.at(-1)).toBe('RUNNING');
    expect(answers.find((a) => a.data?.Signout)?.data).toEqual({ Signout: { ok: true } });
    // What the user's tokens unlock: their own project, listed.
    const listing = answers.find((a) => Array.isArray(a.data?.project));
    expect(listing?.data?.project).toEqual([expect.objectContaining({ name: 'my-appwrite' })]);
  }, 150_000);
});
