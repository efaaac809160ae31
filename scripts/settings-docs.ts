import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { parse } from 'yaml';
import { readWith, type Section, sectionNames } from '../lib/runtime/config';
import { DocumentingReader, type SettingFacts } from './documenting-reader';
import { ROOT } from './stack';
import { START_VARIABLES } from './start-settings';

/**
 * docs/configuration.md and .env.example, generated from the settings readers (lib/**\/settings.ts)
 * so that neither can drift from the code: `npm run docs` writes them, `npm run docs -- --check`
 * fails when they differ (tests/integration/scripts/settings-docs.test.ts).
 *
 * What a setting is (secret or plain, required, default, range, choices) comes from reading each
 * section of lib/runtime/config.ts with an empty environment (lib/basics/settings.ts records what
 * every reader call checks). Its description is the JSDoc comment that starts with its name, in
 * the settings.ts that reads it: `/** MAX_DOMAINS_PER_PROJECT: custom domains ... *\/`, on the
 * config field or on the read itself. Comments rather than a description argument to the reader:
 * the text then lives beside the code it describes, as the house already writes it, and costs the
 * function bundles nothing (esbuild drops comments), where strings passed to the reader would ship
 * in every bundle and be read at every cold start. An `@example` tag in that comment is the value
 * .env.example shows for a required setting.
 */

export const DOC_FILE = 'docs/configuration.md';
export const ENV_EXAMPLE_FILE = '.env.example';

export interface Described {
  text: string;
  example?: string;
  file: string;
}

export interface DocSetting extends SettingFacts {
  name: string;
  secret: boolean;
  description: Described;
}

export interface DocSection {
  name: Section;
  /** The functions (serverless.yml names) that declare this section: all of them read every setting in it. */
  functions: string[];
  settings: DocSetting[];
}

const NAMED = /^([A-Z][A-Z0-9_]+): ([\s\S]+)$/;

function settingsFiles(dir = join(ROOT, 'lib')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return settingsFiles(path);
    return entry.name === 'settings.ts' ? [path] : [];
  });
}

/** Every `/** NAME: text *\/` comment of lib/**\/settings.ts, by NAME; a NAME described twice is a problem. */
export function readDescriptions(files: readonly string[] = settingsFiles()): {
  descriptions: Map<string, Described>;
  problems: string[];
} {
  const descriptions = new Map<string, Described>();
  const problems: string[] = [];
  for (const path of [...files].sort()) {
    const file = relative(ROOT, path);
    const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
    const seen = new Set<ts.Node>();
    const visit = (node: ts.Node) => {
      for (const doc of ts.getJSDocCommentsAndTags(node)) {
        if (!ts.isJSDoc(doc) || seen.has(doc)) continue;
        seen.add(doc);
        const match = NAMED.exec(ts.getTextOfJSDocComment(doc.comment)?.trim() ?? '');
        if (!match) continue;
        const [, name = '', text = ''] = match;
        const example = doc.tags?.find((tag) => tag.tagName.text === 'example');
        const described: Described = { text: text.replace(/\s+/g, ' ').trim(), file };
        const exampleText = example ? ts.getTextOfJSDocComment(example.comment)?.trim() : undefined;
        if (exampleText) described.example = exampleText;
        const earlier = descriptions.get(name);
        if (earlier) problems.push(`${name} is described twice, in ${earlier.file} and ${file}`);
        descriptions.set(name, described);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return { descriptions, problems };
}

/** Each function of serverless.yml with the sections its code declares, as packaging derives them. */
export async function functionSections(): Promise<Map<string, readonly Section[]>> {
  // The plugin's loader bundles each function module with esbuild (middy is ESM-only); required
  // here, not at the top, so that the descriptions can be read without it (tests under Jest).
  const { loadSections } = require('../plugins/settings.js') as {
    loadSections: (file: string) => Promise<readonly Section[]>;
  };
  const functions = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')).functions as Record<
    string,
    { handler: string }
  >;
  const result = new Map<string, readonly Section[]>();
  for (const [name, { handler }] of Object.entries(functions))
    result.set(name, await loadSections(join(ROOT, handler.replace(/\.[^./]+$/, ''))));
  return result;
}

/** Every section with its settings, their facts, descriptions and readers; problems when any is undocumented. */
export async function describeSettings(): Promise<{
  sections: DocSection[];
  functionCount: number;
  problems: string[];
}> {
  const { descriptions, problems } = readDescriptions();
  const byFunction = await functionSections();
  const used = new Set<string>();
  const sections = sectionNames.map((name): DocSection => {
    const reader = readWith(new DocumentingReader({}), [name]);
    // Reading with an empty environment: a setting required only in some cases (e.g. the Qovery
    // prefix, except with a local stand-in) is reported as missing, so it is required here too.
    const missing = new Set(reader.problems.map((p) => /^([A-Z][A-Z0-9_]+) is required/.exec(p)?.[1]));
    const settings = [...reader.read.values()].map((info): DocSetting => {
      used.add(info.name);
      const facts = reader.facts.get(info.name) ?? { required: false };
      const description = descriptions.get(info.name);
      if (!description)
        problems.push(
          `${info.name} (section ${name}) has no description: add /** ${info.name}: … */ in the settings.ts that reads it`,
        );
      return {
        name: info.name,
        secret: info.secret,
        ...facts,
        required: facts.required || missing.has(info.name),
        description: description ?? { text: '', file: '' },
      };
    });
    const functions = [...byFunction].filter(([, s]) => s.includes(name)).map(([fn]) => fn);
    return { name, functions, settings };
  });
  for (const [name, { file }] of descriptions)
    if (!used.has(name)) problems.push(`${name} is described in ${file} but no section reads it`);
  return { sections, functionCount: byFunction.size, problems };
}

function allowed(s: DocSetting): string | undefined {
  if (s.choices) return `one of ${s.choices.map((c) => (c === '' ? '(empty)' : `\`${c}\``)).join(', ')}`;
  if (s.range) return `an integer from ${s.range[0]} to ${s.range[1]}`;
  return s.format;
}

/**
 * A description as Markdown: names, JSON, paths and placeholders in code spans, so that `<x>` is
 * not taken for HTML nor `_X_` for emphasis (and Biome, which formats Markdown too, agrees).
 */
function markdown(text: string): string {
  return text
    .split(' ')
    .map((word) => {
      const [, open = '', core = '', close = ''] = /^(\(?)(.*?)([),.;:]*)$/.exec(word) ?? [];
      return /[<>{}_*]/.test(core) && !core.startsWith('http') ? `${open}\`${core}\`${close}` : word;
    })
    .join(' ');
}

function renderSetting(s: DocSetting, stagePath: string): string {
  const need = s.required
    ? '**Required**'
    : s.default !== undefined && s.default !== ''
      ? `Default \`${s.default}\``
      : 'Optional, no default';
  const lines = [`### \`${s.name}\``, ''];
  const facts = [need, allowed(s)].filter(Boolean).join('; ');
  lines.push(`- ${facts}.`);
  lines.push(
    s.secret
      ? `- **Secret**: on AWS read at cold start from SSM Parameter Store \`${stagePath}${s.name}\` (SecureString), never from the environment; masked in logs.`
      : '- Plain: on AWS an environment variable of the functions below, from the deploying shell or `stages/<stage>.env`.',
  );
  lines.push('', markdown(s.description.text), '');
  return lines.join('\n');
}

function listFunctions(functions: readonly string[], all: number): string {
  if (functions.length === all) return `every function (${all})`;
  return functions.map((f) => `\`${f}\``).join(', ');
}

export function renderDoc(sections: readonly DocSection[], functionCount: number): string {
  const stagePath = '/appwrite-cloud/<stage>/';
  const out = [
    '# Configuration',
    '',
    '<!-- Generated by `npm run docs` from the settings readers (lib/**/settings.ts): do not edit by hand.',
    '     Change a description where the setting is read, then run `npm run docs`; `npm test` fails',
    '     when this file differs from what the generator writes. -->',
    '',
    'Every setting the functions read, section by section, as the code declares it: each section is',
    'read by a `settings.ts` beside the code that uses it (lib/basics/settings.ts says how), and a',
    'function gets the settings of the sections it declares and no other.',
    '',
    `- **Secrets** are never environment variables on AWS: each is a SecureString parameter \`${stagePath}<NAME>\``,
    '  in SSM Parameter Store, read once per cold start; the function’s IAM role may read only its own.',
    '  `npm run settings -- --stage <stage>` prints the `aws ssm put-parameter` command of each.',
    '- **Plain settings** come from the deploying shell or `stages/<stage>.env`, are validated before',
    '  anything is packaged, and become the environment variables of the functions that read them.',
    '- **Locally** (`npm start`, the tests) every setting, secrets included, is an environment variable:',
    '  `.env` (copy `.env.example`) or the shell. Without `HASURA_GRAPHQL_ENDPOINT`, `npm start` runs',
    '  local stand-ins and sets them all itself.',
    '',
    'A value that is empty counts as absent. Every problem is reported at once, at cold start (and',
    'before packaging for the plain settings), with the variable’s name and never a secret’s value.',
    '',
    '## Sections',
    '',
    ...sections.map((s) => `- [${s.name}](#${s.name}): ${s.settings.map((x) => `\`${x.name}\``).join(', ')}`),
    '- [npm start](#npm-start): the local stack’s own variables',
    '',
  ];
  for (const section of sections) {
    out.push(`## ${section.name}`, '', `Read by ${listFunctions(section.functions, functionCount)}.`, '');
    for (const setting of section.settings) out.push(renderSetting(setting, stagePath));
  }
  out.push(
    '## npm start',
    '',
    'Read by `npm start` (scripts/start.ts) alone, never by a function: where the local stack listens.',
    '',
  );
  for (const [name, { fallback, description }] of Object.entries(START_VARIABLES))
    out.push(
      `### \`${name}\``,
      '',
      fallback ? `- Default \`${fallback}\`.` : '- Optional, no default.',
      '',
      markdown(description),
      '',
    );
  return `${out.join('\n').trimEnd()}\n`;
}

function comment(text: string, width = 100): string[] {
  const lines: string[] = [];
  let line = '#';
  for (const word of text.split(' ')) {
    if (line.length + 1 + word.length > width && line !== '#') {
      lines.push(line);
      line = '#';
    }
    line += ` ${word}`;
  }
  lines.push(line);
  return lines;
}

export function renderEnvExample(sections: readonly DocSection[]): string {
  const out = [
    '# Generated by `npm run docs` from the settings readers (lib/**/settings.ts): do not edit by hand.',
    '# docs/configuration.md describes every variable, its range and which functions read it.',
    '#',
    '# Copy to .env to run the handlers (`npm start`) against a real Hasura and Qovery: fill in every',
    '# variable that is not commented out; the commented ones show their default.',
    '# Without HASURA_GRAPHQL_ENDPOINT, `npm start` runs local stand-ins and needs none of this.',
    '# On AWS nothing here is used: secrets live in SSM Parameter Store, plain settings come from the',
    '# deploying shell or stages/<stage>.env.',
  ];
  for (const section of sections) {
    out.push('', `# ---- ${section.name} ----`);
    for (const s of section.settings) {
      out.push('', ...comment(`${s.name}${s.secret ? ' (secret)' : ''}: ${s.description.text}`));
      out.push(s.required ? `${s.name}=${s.description.example ?? ''}` : `# ${s.name}=${s.default ?? ''}`);
    }
  }
  out.push('', '# ---- npm start ----');
  for (const [name, { fallback, description }] of Object.entries(START_VARIABLES))
    out.push('', ...comment(`${name}: ${description}`), `# ${name}=${fallback}`);
  return `${out.join('\n')}\n`;
}

/** Both files, as the generator writes them; problems when a setting is undocumented. */
export async function generateSettingsDocs(): Promise<{ files: Record<string, string>; problems: string[] }> {
  const { sections, functionCount, problems } = await describeSettings();
  return {
    files: { [DOC_FILE]: renderDoc(sections, functionCount), [ENV_EXAMPLE_FILE]: renderEnvExample(sections) },
    problems,
  };
}
