/**
 * A tiny stand-in for the `graphql` package, for the deployed bundles only.
 *
 * graphql-request imports `graphql` for one job on our path: finding the operation name (and
 * whether it is a mutation) of a document given as a string, with `parse`, `Kind` and `print`.
 * The real library costs ~44 KB of minified bundle even when tree-shaken (~270 KB without), and
 * our documents are always plain strings with one named operation (documents.ts). serverless.yml
 * aliases `graphql` to this file (`custom.esbuild.alias`); tests and type-checking still use the
 * real `graphql`. tests/unit/hasura/graphql-lite.test.ts checks that graphql-request sends the
 * same operationName and query through this file as through `graphql`.
 *
 * What it supports: executable documents — operations (named, anonymous or the `{ … }` shorthand)
 * and fragment definitions. It reads each definition's header (keyword, name, variables,
 * directives) and skips its selection set after checking that brackets balance and that strings
 * and comments are well formed; it does not check the selection sets themselves (Hasura does).
 * Everything else throws a GraphQLLiteError that says so: schema definitions, other input than a
 * string, `print` of a DocumentNode. Note that graphql-request swallows errors of `parse` (as it
 * does for `graphql`'s syntax errors) and then sends the document without an operationName, so
 * Hasura reports the problem; an error of `print` reaches the caller.
 */

export class GraphQLLiteError extends Error {
  override readonly name = 'GraphQLLiteError';
}

/** The same values as graphql@16's `Kind` enum. */
export const Kind = {
  NAME: 'Name',
  DOCUMENT: 'Document',
  OPERATION_DEFINITION: 'OperationDefinition',
  VARIABLE_DEFINITION: 'VariableDefinition',
  SELECTION_SET: 'SelectionSet',
  FIELD: 'Field',
  ARGUMENT: 'Argument',
  FRAGMENT_SPREAD: 'FragmentSpread',
  INLINE_FRAGMENT: 'InlineFragment',
  FRAGMENT_DEFINITION: 'FragmentDefinition',
  VARIABLE: 'Variable',
  INT: 'IntValue',
  FLOAT: 'FloatValue',
  STRING: 'StringValue',
  BOOLEAN: 'BooleanValue',
  NULL: 'NullValue',
  ENUM: 'EnumValue',
  LIST: 'ListValue',
  OBJECT: 'ObjectValue',
  OBJECT_FIELD: 'ObjectField',
  DIRECTIVE: 'Directive',
  NAMED_TYPE: 'NamedType',
  LIST_TYPE: 'ListType',
  NON_NULL_TYPE: 'NonNullType',
} as const;

export type OperationType = 'query' | 'mutation' | 'subscription';

export interface NameNode {
  kind: 'Name';
  value: string;
}

/** The part of graphql's OperationDefinitionNode that this file fills in. */
export interface OperationDefinitionNode {
  kind: 'OperationDefinition';
  operation: OperationType;
  name?: NameNode;
}

export interface FragmentDefinitionNode {
  kind: 'FragmentDefinition';
  name: NameNode;
}

export interface DocumentNode {
  kind: 'Document';
  definitions: (OperationDefinitionNode | FragmentDefinitionNode)[];
}

/**
 * Parsed documents by source: ours are a handful of constants that graphql-request parses on
 * every request. Results are frozen, since they are shared.
 */
const cache = new Map<string, DocumentNode>();
const CACHE_LIMIT = 256;

export function parse(source: string): DocumentNode {
  if (typeof source !== 'string')
    throw new GraphQLLiteError(
      'graphql-lite parses strings only (documents are plain strings, see documents.ts)',
    );
  let document = cache.get(source);
  if (document === undefined) {
    document = deepFreeze(new Parser(source).document());
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(source, document);
  }
  return document;
}

/** graphql-request prints only DocumentNode objects; our documents are strings. */
export function print(_ast: unknown): string {
  throw new GraphQLLiteError(
    'graphql-lite cannot print a DocumentNode: pass GraphQL documents as strings (see lib/hasura/documents.ts)',
  );
}

// Character codes.
const TAB = 9;
const LF = 10;
const CR = 13;
const SPACE = 32;
const QUOTE = 34;
const HASH = 35;
const COMMA = 44;
const MINUS = 45;
const DOT = 46;
const BACKSLASH = 92;
const BOM = 0xfeff;
const OPEN_PAREN = 40;
const CLOSE_PAREN = 41;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const AT = 64;
/** Single-character punctuators other than brackets: ! $ & : = | */
const PUNCTUATORS = new Set([33, 36, 38, 58, 61, 124]);
const CLOSING: Record<number, number> = {
  [CLOSE_PAREN]: OPEN_PAREN,
  [CLOSE_BRACKET]: OPEN_BRACKET,
  [CLOSE_BRACE]: OPEN_BRACE,
};

const isNameStart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isNameContinue = (c: number) => isNameStart(c) || (c >= 48 && c <= 57);
const isNumberPart = (c: number) =>
  (c >= 48 && c <= 57) || c === DOT || c === MINUS || c === 43 || c === 69 || c === 101;

/**
 * Reads definition headers token by token, straight from the source, and skips selection sets
 * (and variable definitions, arguments) as balanced groups of tokens.
 */
class Parser {
  private at = 0;

  constructor(private readonly source: string) {}

  document(): DocumentNode {
    const definitions: DocumentNode['definitions'] = [];
    while (this.peek() !== undefined) {
      const start = this.at;
      if (this.peek() === OPEN_BRACE) {
        this.group();
        definitions.push({ kind: 'OperationDefinition', operation: 'query' });
        continue;
      }
      const keyword = this.name(() => this.fail(`unexpected character "${this.source[this.at]}"`));
      if (keyword === 'query' || keyword === 'mutation' || keyword === 'subscription') {
        const operation: OperationDefinitionNode = { kind: 'OperationDefinition', operation: keyword };
        const c = this.peek();
        if (c !== undefined && isNameStart(c)) operation.name = { kind: 'Name', value: this.name() };
        if (this.peek() === OPEN_PAREN) this.group();
        this.directives();
        this.selectionSet();
        definitions.push(operation);
      } else if (keyword === 'fragment') {
        const name = this.name();
        if (name === 'on') this.fail('a fragment cannot be named "on"', start);
        if (this.name() !== 'on') this.fail('expected "on" after the fragment name');
        this.name();
        this.directives();
        this.selectionSet();
        definitions.push({ kind: 'FragmentDefinition', name: { kind: 'Name', value: name } });
      } else {
        this.fail(`unsupported definition "${keyword}" (only operations and fragments are supported)`, start);
      }
    }
    if (definitions.length === 0) this.fail('the document holds no definition');
    return { kind: 'Document', definitions };
  }

  private fail(what: string, at = this.at): never {
    const before = this.source.slice(0, at).split(/\r\n|[\n\r]/);
    const where = `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
    throw new GraphQLLiteError(`graphql-lite: ${what} at ${where}`);
  }

  /** Skips whitespace, commas and comments; the next character's code, or undefined at the end. */
  private peek(): number | undefined {
    const { source } = this;
    while (this.at < source.length) {
      const c = source.charCodeAt(this.at);
      if (c === SPACE || c === LF || c === CR || c === TAB || c === COMMA || c === BOM) this.at++;
      else if (c === HASH) {
        while (
          this.at < source.length &&
          source.charCodeAt(this.at) !== LF &&
          source.charCodeAt(this.at) !== CR
        )
          this.at++;
      } else return c;
    }
    return undefined;
  }

  private name(otherwise = () => this.fail('expected a name')): string {
    const c = this.peek();
    if (c === undefined) return this.fail('unexpected end of document');
    if (!isNameStart(c)) return otherwise();
    const start = this.at;
    while (this.at < this.source.length && isNameContinue(this.source.charCodeAt(this.at))) this.at++;
    return this.source.slice(start, this.at);
  }

  private directives() {
    while (this.peek() === AT) {
      this.at++;
      this.name();
      if (this.peek() === OPEN_PAREN) this.group();
    }
  }

  private selectionSet() {
    if (this.peek() !== OPEN_BRACE) this.fail('expected a selection set "{"');
    this.group();
  }

  /** Skips a balanced group of tokens: ( … ), [ … ] or { … }, starting at its opening bracket. */
  private group() {
    const { source } = this;
    const open: number[] = [];
    do {
      const c = this.peek();
      if (c === undefined) return this.fail('unexpected end of document');
      if (c === OPEN_PAREN || c === OPEN_BRACKET || c === OPEN_BRACE) {
        open.push(c);
        this.at++;
      } else if (c === CLOSE_PAREN || c === CLOSE_BRACKET || c === CLOSE_BRACE) {
        if (open.pop() !== CLOSING[c]) this.fail(`unbalanced "${source[this.at]}"`);
        this.at++;
      } else if (c === QUOTE) this.string();
      else if (isNameStart(c)) this.name();
      else if ((c >= 48 && c <= 57) || c === MINUS) {
        while (this.at < source.length && isNumberPart(source.charCodeAt(this.at))) this.at++;
      } else if (c === DOT && source.startsWith('...', this.at)) this.at += 3;
      else if (PUNCTUATORS.has(c)) this.at++;
      else this.fail(`unexpected character "${source[this.at]}"`);
    } while (open.length > 0);
  }

  private string() {
    const { source } = this;
    const start = this.at;
    if (source.startsWith('"""', start)) {
      let end = source.indexOf('"""', start + 3);
      while (end !== -1 && source.charCodeAt(end - 1) === BACKSLASH) end = source.indexOf('"""', end + 1);
      if (end === -1) this.fail('unterminated block string', start);
      this.at = end + 3;
      return;
    }
    this.at++;
    while (this.at < source.length) {
      const c = source.charCodeAt(this.at);
      if (c === QUOTE) {
        this.at++;
        return;
      }
      if (c === LF || c === CR) break;
      this.at += c === BACKSLASH ? 2 : 1;
    }
    this.fail('unterminated string', start);
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
