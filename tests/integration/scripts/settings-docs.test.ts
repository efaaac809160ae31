import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv, promisify } from 'node:util';
import { configProblems, readerOf, sectionNames } from '../../../lib/runtime/config';
import { readDescriptions } from '../../../scripts/settings-docs';
import { ROOT } from '../../../scripts/stack';
import { START_VARIABLES } from '../../../scripts/start-settings';

/**
 * docs/configuration.md and .env.example are what `npm run docs` writes from the settings readers
 * (scripts/settings-docs.ts): a setting added, removed, retyped or undescribed without running it
 * fails here. The generator bundles every function (as packaging does) to know which reads what:
 * it runs in tsx, as the script does.
 */

const TSX = join(ROOT, 'node_modules/.bin/tsx');
const run = promisify(execFile);

describe('npm run docs', () => {
  it('has written docs/configuration.md and .env.example for the current settings', async () => {
    const outcome = await run(TSX, ['scripts/docs.ts', '--check'], { cwd: ROOT }).then(
      () => 'up to date',
      (error: { stderr: string }) => error.stderr.trim(),
    );
    expect(outcome).toBe('up to date');
  }, 120_000);
});

describe('.env.example', () => {
  const example = readFileSync(join(ROOT, '.env.example'), 'utf8');
  const given = parseEnv(example) as Record<string, string>;
  const declared = new Set([...[...readerOf(sectionNames).read.keys()], ...Object.keys(START_VARIABLES)]);

  it('lists, commented out or not, every variable the code reads and no other', () => {
    const listed = [...example.matchAll(/^(?:# )?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);
    expect(new Set(listed)).toEqual(declared);
    expect(listed).toHaveLength(declared.size);
  });

  it('starts the handlers once its blanks are filled: every required setting is there, no example is wrong', () => {
    // What an operator types in: a value of the right shape for each blank.
    const filled: Record<string, string> = {
      HASURA_GRAPHQL_ADMIN_SECRET: 'an-admin-secret',
      ACTIONS_SECRET: 'an-actions-secret-of-length',
      HASURA_GRAPHQL_JWT_SECRET: JSON.stringify({ type: 'HS256', key: 'k'.repeat(32) }),
      QOVERY_API_TOKEN: 'qov_token',
      QOVERY_PROJECT_ID: '00000000-0000-4000-8000-000000000001',
      QOVERY_ENVIRONMENT_PREFIX: 'prod',
      QOVERY_DEPLOYMENT_ID: 'a1b2c3d4e5f6',
      QOVERY_REGISTRY_ID: '00000000-0000-4000-8000-000000000002',
      CONSOLE_CLAIM_KEY: 'c'.repeat(32),
      STORAGE_BUCKET_ID: 'f6e5d4c3b2a1',
      QOVERY_WEBHOOK_SECRET: 'a-webhook-secret-long-enough',
    };
    const blanks = Object.keys(given).filter((name) => given[name] === '');
    expect(blanks.filter((name) => !(name in filled))).toEqual([]);
    expect(Object.keys(filled).filter((name) => !(name in given))).toEqual([]);
    expect(configProblems({}, sectionNames).length).toBeGreaterThan(0);
    expect(configProblems({ ...given, ...filled }, sectionNames)).toEqual([]);
  });
});

describe('descriptions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'settings-docs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('are the comments that start with the name, wherever in the file, with an optional example', () => {
    const file = join(dir, 'settings.ts');
    writeFileSync(
      file,
      `export function readX(r: any) {
        /** Not a description. */
        const a = r.int('A_SETTING', 1, 0, 2);
        return {
          /**
           * B_SETTING: the second
           * one, on two lines.
           * @example b-value
           */
          b: r.string('B_SETTING'),
          a,
        };
      }
      /** B_SETTING: described again. */
      export const c = 1;`,
    );
    const { descriptions, problems } = readDescriptions([file]);
    expect([...descriptions.keys()]).toEqual(['B_SETTING']);
    expect(descriptions.get('B_SETTING')).toMatchObject({ text: 'described again.' });
    expect(problems).toEqual([expect.stringMatching(/^B_SETTING is described twice/)]);
  });

  it('exist for every setting of lib/**/settings.ts, once each', () => {
    const { descriptions, problems } = readDescriptions();
    expect(problems).toEqual([]);
    const read = [...readerOf(sectionNames).read.keys()];
    expect(read.filter((name) => !descriptions.has(name))).toEqual([]);
    expect([...descriptions.keys()].filter((name) => !read.includes(name))).toEqual([]);
  });
});
