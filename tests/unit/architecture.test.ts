import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/**
 * The shape of the code, held by a test (docs/architecture.md draws it): lib/ in layers whose
 * imports point one way, no import cycle, and no function longer than a page.
 */

const ROOT = resolve(__dirname, '../..');

/** lib/'s layers, top first: a module may import its own layer and the ones below, never above. */
const LAYERS = ['runtime', 'accounts', 'instances', 'action', 'platform', 'basics'] as const;
/** The longest function each folder allows (lines, signature to closing brace). */
const LONGEST: Record<string, number> = {
  lib: 100,
  functions: 100,
  scripts: 100,
  plugins: 100,
  sandbox: 150,
};

function filesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(join(ROOT, path)).isDirectory()) return filesUnder(path);
    return /\.ts$/.test(entry) && !/\.d\.ts$/.test(entry) ? [path] : [];
  });
}

const parsed = new Map<string, ts.SourceFile>();
function source(file: string): ts.SourceFile {
  let found = parsed.get(file);
  if (!found) {
    found = ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.Latest, true);
    parsed.set(file, found);
  }
  return found;
}

/** Every relative module a file imports or re-exports (type-only too: a type is a dependency), resolved to a file. */
function importsOf(file: string): string[] {
  const specifiers: string[] = [];
  const visit = (node: ts.Node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      specifiers.push((node.moduleSpecifier as ts.StringLiteral).text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      specifiers.push(node.arguments[0].text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      specifiers.push((node.argument.literal as ts.StringLiteral).text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source(file));
  return specifiers
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => resolveModule(join(dirname(file), specifier)))
    .filter((target): target is string => target !== undefined);
}

function resolveModule(base: string): string | undefined {
  for (const candidate of [`${base}.ts`, join(base, 'index.ts'), base]) {
    try {
      if (statSync(join(ROOT, candidate)).isFile()) return relative(ROOT, join(ROOT, candidate));
    } catch {}
  }
  return undefined;
}

const layerOf = (file: string) => LAYERS.indexOf(file.split('/')[1] as (typeof LAYERS)[number]);

/** Strongly connected components of more than one module (Tarjan), each one import cycle or more. */
function cycles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const connect = (node: string) => {
    index.set(node, counter);
    low.set(node, counter++);
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        connect(next);
        low.set(node, Math.min(low.get(node) as number, low.get(next) as number));
      } else if (stack.includes(next)) {
        low.set(node, Math.min(low.get(node) as number, index.get(next) as number));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop() as string;
        component.push(member);
      } while (member !== node);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) connect(node);
  return found;
}

describe('the layers of lib/', () => {
  const lib = filesUnder('lib');

  it('puts every module of lib/ in one of the layers', () => {
    expect(lib.filter((file) => layerOf(file) < 0)).toEqual([]);
  });

  it('never imports a layer above its own', () => {
    const upward = lib.flatMap((file) =>
      importsOf(file)
        .filter((target) => target.startsWith('lib/') && layerOf(target) < layerOf(file))
        .map((target) => `${file} -> ${target}`),
    );
    expect(upward).toEqual([]);
  });

  it('imports nothing outside lib/ but packages (no functions/, sandbox/, scripts/, tests/, bench/)', () => {
    const outside = lib.flatMap((file) =>
      importsOf(file)
        .filter((target) => !target.startsWith('lib/'))
        .map((target) => `${file} -> ${target}`),
    );
    expect(outside).toEqual([]);
  });

  it('has no import cycle', () => {
    const graph = new Map(lib.map((file) => [file, importsOf(file).filter((t) => t.startsWith('lib/'))]));
    expect(cycles(graph)).toEqual([]);
  });

  it('finds a cycle and an upward import when there is one (the checks above can fail)', () => {
    expect(
      cycles(
        new Map([
          ['a', ['b']],
          ['b', ['c']],
          ['c', ['a']],
          ['d', ['a']],
        ]),
      ),
    ).toEqual([['a', 'b', 'c']]);
    expect(layerOf('lib/basics/errors.ts')).toBeGreaterThan(layerOf('lib/runtime/index.ts'));
  });
});

describe('the functions', () => {
  it('import lib/ only, never another function', () => {
    const crossing = filesUnder('functions').flatMap((file) =>
      importsOf(file)
        .filter((target) => !target.startsWith('lib/'))
        .map((target) => `${file} -> ${target}`),
    );
    expect(crossing).toEqual([]);
  });
});

/** Functions with a body longer than `max` lines in `file`. */
function longFunctions(file: string, max: number): string[] {
  const sf = source(file);
  const line = (position: number) => sf.getLineAndCharacterOfPosition(position).line;
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const lines = line(node.end) - line(node.getStart()) + 1;
      if (lines > max) found.push(`${file}:${line(node.getStart()) + 1} (${lines} lines)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

describe('the length of a function', () => {
  it.each(Object.entries(LONGEST))('is at most a page in %s/ (%i lines)', (dir, max) => {
    expect(filesUnder(dir).flatMap((file) => longFunctions(file, max))).toEqual([]);
  });
});
