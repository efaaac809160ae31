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
const ACTIONS_GRAPHQL = readFileSync(join(ROOT, 'hasura-metadata', 'metadata', 'actions.graphql'), 'utf8');

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

  it('has a curl for every action of the Hasura metadata, the listing and the subscription', () => {
    // Every action Hasura exposes (hasura-metadata/metadata/actions.graphql): a new action without
    // a walkthrough step fails here.
    const actions = [...ACTIONS_GRAPHQL.matchAll(/^\s+([A-Z]\w*)\(input: /gm)].map((m) => m[1]);
    expect(actions.length).toBeGreaterThanOrEqual(16);
    const script = blocks.join('\n');
    for (const action of actions)
      expect({ action, hasStep: script.includes(`${action}(input:`) }).toEqual({ action, hasStep: true });
    expect(script).toContain('{ project { id name url status } }');
    expect(script).toContain('subscription { project { id status status_reason } }');
  });

  it('runs as written against a fresh stack: every step answers data but the errors it announces', async () => {
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
      // As on a shell whose Node is older than 22 (no global WebSocket): see tests/helpers/node-before-22.cjs.
      const env = {
        ...process.env,
        NODE_OPTIONS: `--require ${join(ROOT, 'tests', 'helpers', 'node-before-22.cjs')}`,
      };
      execFile('bash', ['-c', script], { cwd: ROOT, env, timeout: 120_000 }, (error, out, err) =>
        error ? reject(new Error(`${error.message}\n${out}\n${err}`)) : resolve({ stdout: out, stderr: err }),
      );
    });
    expect(stderr).toBe('');
    const answers = stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { data?: Record<string, unknown>; errors?: unknown });
    // The two errors the README announces: no AppWrite runs behind the local instance's URL, and
    // nobody creates the custom domain's DNS record, so it cannot become the primary.
    const errors = answers.filter((a) => a.errors !== undefined);
    expect(errors).toEqual([
      {
        errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'project-busy' }) })],
      },
      {
        errors: [
          expect.objectContaining({ extensions: expect.objectContaining({ code: 'domain-not-active' }) }),
        ],
      },
    ]);
    expect(JSON.stringify(errors)).toContain('does not answer yet');
    const fields = answers.flatMap((a) => Object.keys(a.data ?? {}));
    for (const field of [
      'Signup',
      'ResendVerificationEmail',
      'VerifyEmail',
      'Signin',
      'CreateProject',
      'StartProject',
      'ProjectStatus',
      'project',
      'StopProject',
      'DeleteProject',
      'AddDomain',
      'RemoveDomain',
      'ChangePassword',
      'RefreshToken',
      'Signout',
      'RequestPasswordReset',
      'ResetPassword',
      'DeleteAccount',
    ])
      expect(fields).toContain(field);
    // Every step that answers ok said so.
    for (const a of answers)
      for (const [field, value] of Object.entries(a.data ?? {}))
        if (value && typeof value === 'object' && 'ok' in value)
          expect({ field, value }).toEqual({ field, value: { ok: true } });
    const statuses = answers.flatMap((a) => {
      const status = (a.data?.ProjectStatus as { status?: string } | undefined)?.status;
      return status ? [status] : [];
    });
    expect(statuses.at(-1)).toBe('RUNNING');
    expect(answers.find((a) => a.data?.Signout)?.data).toEqual({ Signout: { ok: true } });
    // What the user's tokens unlock: their own project, listed.
    const listing = answers.find((a) => Array.isArray(a.data?.project));
    expect(listing?.data?.project).toEqual([expect.objectContaining({ name: 'my-appwrite' })]);
    // The subscription's first push: the same row, from the WebSocket.
    const pushes = answers.filter((a) => Array.isArray(a.data?.project) && a !== listing);
    expect(pushes.at(0)?.data?.project).toEqual([expect.objectContaining({ id: expect.any(Number) })]);
    expect(answers.find((a) => a.data?.DeleteAccount)?.data).toEqual({ DeleteAccount: { ok: true } });
  }, 150_000);
});
