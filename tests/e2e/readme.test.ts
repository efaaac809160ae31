import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { generateSecrets, ROOT, type Stack, startStack } from '../../scripts/stack';

/**
 * The walkthroughs, run as written: every ```sh block between the `walkthrough` markers of the
 * README (the tutorial's flow), then those of docs/walkthrough.md (every other action), which
 * continues it in the same shell, as a reader pastes them, against one stack started here. Only the
 * two local addresses are changed (the stack listens on free ports), so the pages and the system
 * cannot drift apart.
 */

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const TOUR = readFileSync(join(ROOT, 'docs', 'walkthrough.md'), 'utf8');
const ACTIONS_GRAPHQL = readFileSync(join(ROOT, 'hasura-metadata', 'metadata', 'actions.graphql'), 'utf8');
/** Printed between the two pages' blocks, to tell their answers apart. */
const SEPARATOR = '--- docs/walkthrough.md ---';

function walkthroughBlocks(markdown: string, page: string): string[] {
  const begin = markdown.indexOf('<!-- walkthrough:begin -->');
  const end = markdown.indexOf('<!-- walkthrough:end -->');
  if (begin < 0 || end < begin) throw new Error(`${page} has no walkthrough markers`);
  return [...markdown.slice(begin, end).matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
}

/**
 * A folder of the PATH holding a `node` of another major than the project's (the machine's own,
 * such as /usr/bin/node), if there is one: the walkthrough says any Node from 18 on runs its blocks.
 */
function otherNode(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const node = join(dir, 'node');
    if (!dir || dir.includes('node_modules') || !existsSync(node)) continue;
    try {
      const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
      if (!version.startsWith(`v${process.versions.node.split('.')[0]}.`)) return dir;
    } catch {
      // Not a runnable node: look further.
    }
  }
  return undefined;
}

interface Answer {
  data?: Record<string, unknown>;
  errors?: unknown;
}

const answersIn = (output: string): Answer[] =>
  output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Answer);

const fieldsOf = (answers: Answer[]) => answers.flatMap((a) => Object.keys(a.data ?? {}));

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ secrets: generateSecrets(), qoveryStepMs: 50 });
}, 300_000);
afterAll(async () => {
  await stack?.close();
});

describe('README walkthrough and docs/walkthrough.md', () => {
  const readme = walkthroughBlocks(README, 'README.md');
  const tour = walkthroughBlocks(TOUR, 'docs/walkthrough.md');

  it('has a curl for every action of the Hasura metadata between the two pages, the listing and the subscription', () => {
    // Every action Hasura exposes (hasura-metadata/metadata/actions.graphql): a new action without
    // a step on either page fails here.
    const actions = [...ACTIONS_GRAPHQL.matchAll(/^\s+([A-Z]\w*)\(input: /gm)].map((m) => m[1]);
    expect(actions.length).toBeGreaterThanOrEqual(19);
    const script = [...readme, ...tour].join('\n');
    for (const action of actions)
      expect({ action, hasStep: script.includes(`${action}(input:`) }).toEqual({ action, hasStep: true });
    // The README's own part is the tutorial's flow.
    const readmeScript = readme.join('\n');
    for (const action of [
      'Signup',
      'VerifyEmail',
      'CreateProject',
      'StartProject',
      'ProjectStatus',
      'DeleteProject',
    ])
      expect({ action, inReadme: readmeScript.includes(`${action}(input:`) }).toEqual({
        action,
        inReadme: true,
      });
    expect(readmeScript).toContain('{ project { id name url status } }');
    expect(readmeScript).toContain('subscription { project { id status status_reason } }');
  });

  it('runs as written against a fresh stack: every step answers data but the errors it announces', async () => {
    const defaultUrl = 'GQL=http://127.0.0.1:8080/v1/graphql';
    expect(readme[0]).toContain(defaultUrl);
    const defaultInbox = 'MAIL=http://127.0.0.1:1080';
    expect(readme[0]).toContain(defaultInbox);
    // The test's stack listens on free ports: point the README's two addresses at them.
    const script = ['set -eu', ...readme, `echo '${SEPARATOR}'`, ...tour]
      .join('\n')
      .replace(defaultUrl, `GQL=${stack.graphqlUrl}`)
      .replace(defaultInbox, `MAIL=${stack.mail.webUrl}`);
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
      // As on a reader's shell: the machine's own Node when it has one other than the project's 24
      // (npm test puts Node 24 first on the PATH), and in any case as a Node older than 22 (no
      // global WebSocket): see tests/helpers/node-before-22.cjs.
      const other = otherNode();
      const env = {
        ...process.env,
        ...(other ? { PATH: `${other}${delimiter}${process.env.PATH ?? ''}` } : {}),
        NODE_OPTIONS: `--require ${join(ROOT, 'tests', 'helpers', 'node-before-22.cjs')}`,
      };
      execFile('bash', ['-c', script], { cwd: ROOT, env, timeout: 150_000 }, (error, out, err) =>
        error ? reject(new Error(`${error.message}\n${out}\n${err}`)) : resolve({ stdout: out, stderr: err }),
      );
    });
    expect(stderr).toBe('');
    const [readmeOutput = '', tourOutput = ''] = stdout.split(`${SEPARATOR}\n`);
    const first = answersIn(readmeOutput);
    const rest = answersIn(tourOutput);

    // The README's flow: no error at all.
    expect(first.filter((a) => a.errors !== undefined)).toEqual([]);
    for (const field of [
      'Signup',
      'VerifyEmail',
      'CreateProject',
      'StartProject',
      'ProjectStatus',
      'project',
    ])
      expect(fieldsOf(first)).toContain(field);
    const statuses = first.flatMap((a) => {
      const status = (a.data?.ProjectStatus as { status?: string } | undefined)?.status;
      return status ? [status] : [];
    });
    expect(statuses.at(-1)).toBe('RUNNING');
    // What the user's tokens unlock: their own project, listed.
    const listing = first.find((a) => Array.isArray(a.data?.project));
    expect(listing?.data?.project).toEqual([expect.objectContaining({ name: 'my-appwrite' })]);
    // The subscription's first push: the same row, from the WebSocket.
    const pushes = first.filter((a) => Array.isArray(a.data?.project) && a !== listing);
    expect(pushes.at(0)?.data?.project).toEqual([expect.objectContaining({ id: expect.any(Number) })]);
    expect(first.find((a) => a.data?.DeleteProject)?.data).toEqual({ DeleteProject: { ok: true } });
    expect(first.find((a) => a.data?.Signout)?.data).toEqual({ Signout: { ok: true } });

    // The tour: the two errors it announces. No AppWrite runs behind the local instance's URL, and
    // nobody creates the custom domain's DNS record, so it cannot become the primary.
    const errors = rest.filter((a) => a.errors !== undefined);
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
    for (const field of [
      'Signin',
      'ResendVerificationEmail',
      'StartProject',
      'ProjectStatus',
      'AddDomain',
      'project',
      'RemoveDomain',
      'StopProject',
      'DeleteProject',
      'ChangePassword',
      'RefreshToken',
      'Signout',
      'RequestPasswordReset',
      'ResetPassword',
      'DeleteAccount',
    ])
      expect(fieldsOf(rest)).toContain(field);
    const secondStatus = rest.find((a) => a.data?.ProjectStatus)?.data?.ProjectStatus;
    expect(secondStatus).toEqual(expect.objectContaining({ status: 'RUNNING' }));
    // Every step of either page that answers ok said so.
    for (const a of [...first, ...rest])
      for (const [field, value] of Object.entries(a.data ?? {}))
        if (value && typeof value === 'object' && 'ok' in value)
          expect({ field, value }).toEqual({ field, value: { ok: true } });
    expect(rest.find((a) => a.data?.DeleteAccount)?.data).toEqual({ DeleteAccount: { ok: true } });
  }, 180_000);
});
