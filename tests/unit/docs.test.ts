import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { catalogue } from '../../lib/basics/errors';

/**
 * The README stays a ten-minute read that points into docs/, and no link of the README or of
 * docs/*.md leads nowhere: every relative link names a file of the repository, and every `#anchor`
 * a heading of the page it points to, as GitHub renders them.
 */

const ROOT = resolve(__dirname, '../..');
const DOCS = join(ROOT, 'docs');
const README = join(ROOT, 'README.md');
const PAGES = [
  README,
  ...readdirSync(DOCS)
    .filter((f) => f.endsWith('.md'))
    .map((f) => join(DOCS, f)),
];

const read = (path: string) => readFileSync(path, 'utf8');

/** The page without its fenced code blocks, whose `#` lines and brackets are code, not markdown. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
}

/**
 * The anchors GitHub gives a page's headings: the heading's text without its markdown (code
 * spans, links, emphasis), lower case, every character but letters, digits, `_`, `-` and spaces
 * dropped, spaces made hyphens; a repeated heading gets `-1`, `-2`...
 */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, text = ''] of prose(markdown).matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const plain = text
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/[`*]/g, '')
      .toLowerCase();
    const slug = plain.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** Every link target of a page outside code: `[text](target)`, without a title. */
function linksOf(markdown: string): string[] {
  const text = prose(markdown).replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1] ?? '');
}

describe('README.md', () => {
  const readme = read(README);

  it('is at most 300 lines', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(300);
  });

  it('draws the request flow in Mermaid, which GitHub renders', () => {
    const diagram = /```mermaid\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    for (const step of [
      'Hasura',
      'x-actions-secret',
      'API Gateway',
      'authorizer',
      'functions/',
      'lib/',
      'Qovery',
    ])
      expect({ step, drawn: diagram.includes(step) }).toEqual({ step, drawn: true });
  });

  it('links every page of docs/ from its table of contents', () => {
    const contents = readme.slice(readme.indexOf('## Documentation'));
    const pages = readdirSync(DOCS).filter((f) => f.endsWith('.md'));
    expect(pages.length).toBeGreaterThan(5);
    for (const page of pages)
      expect({ page, linked: contents.includes(`(docs/${page})`) }).toEqual({ page, linked: true });
  });

  it('names the commands a contributor runs', () => {
    for (const command of [
      'npm run lint',
      'npm run format',
      'npm run typecheck',
      'npm test',
      'npm run test:integration',
      'npm run test:mutation',
      'npm run bench',
      'npm run codegen',
    ])
      expect({ command, named: readme.includes(command) }).toEqual({ command, named: true });
  });
});

describe.each(PAGES.map((path) => [relative(ROOT, path), path]))('%s', (_name, path) => {
  const markdown = read(path);

  it('has relative links that reach a file, and anchors that reach a heading', () => {
    const broken: string[] = [];
    for (const link of linksOf(markdown)) {
      if (/^[a-z][a-z+.-]*:/i.test(link)) continue; // https:, mailto: — not a file of the clone
      const [target = '', anchor] = link.split('#');
      const file = target === '' ? path : resolve(dirname(path), decodeURIComponent(target));
      if (!existsSync(file)) {
        broken.push(`${link}: no file ${relative(ROOT, file)}`);
        continue;
      }
      if (anchor !== undefined && !(statSync(file).isFile() && anchorsOf(read(file)).has(anchor)))
        broken.push(`${link}: no heading #${anchor} in ${relative(ROOT, file)}`);
    }
    expect(broken).toEqual([]);
  });
});

describe('docs/errors.md', () => {
  const page = read(join(DOCS, 'errors.md'));

  it('lists every code of the catalogue with the status the handler answers', () => {
    const rows = new Map(
      [...page.matchAll(/^\|\s*`([a-z-]+)`\s*\|\s*(\d{3})\s*\|/gm)].map((m) => [m[1] ?? '', Number(m[2])]),
    );
    const expected = Object.entries(catalogue).map(([code, entry]) => [code, entry.status]);
    expect(Object.entries(catalogue).map(([code]) => [code, rows.get(code)])).toEqual(expected);
    expect([...rows.keys()].filter((code) => !(code in catalogue))).toEqual([]);
  });
});

describe('the anchors this test computes', () => {
  it('are the ones GitHub gives such headings', () => {
    const page =
      '# AppWrite Cloud — functions\n## What `serverless` is here\n```sh\n# not a heading\n```\n## Sign-in\n## Sign-in\n## [Linked](x.md) *page*';
    expect([...anchorsOf(page)]).toEqual([
      'appwrite-cloud--functions',
      'what-serverless-is-here',
      'sign-in',
      'sign-in-1',
      'linked-page',
    ]);
  });
});
