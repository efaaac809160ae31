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

interface Token {
  /** A name, or one punctuator character; strings, numbers and `...` are 'value'. */
  text: string;
  isName: boolean;
  at: number;
}

const NAME = /[_A-Za-z][_0-9A-Za-z]*/y;
const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const IGNORED = /(?:[\s,\uFEFF]+|#[^\n\r]*)+/y;
const PUNCTUATORS = '!$&()=:@[]{}|';
const OPENING: Record<string, string> = { ')': '(', '}': '{', ']': '[' };

export function parse(source: string): DocumentNode {
  if (typeof source !== 'string')
    throw new GraphQLLiteError(
      'graphql-lite parses strings only (documents are plain strings, see documents.ts)',
    );
  const tokens = tokenize(source);
  const definitions: DocumentNode['definitions'] = [];
  let i = 0;

  const fail = (what: string, at = tokens[i]?.at ?? source.length): never => {
    throw new GraphQLLiteError(`graphql-lite: ${what} at ${position(source, at)}`);
  };
  const next = (): Token => tokens[i++] ?? fail('unexpected end of document');
  const peek = (): Token | undefined => tokens[i];
  const name = (): NameNode => {
    const token = next();
    if (!token.isName) fail(`expected a name, found "${token.text}"`, token.at);
    return { kind: 'Name', value: token.text };
  };
  /** Skips a balanced (...) or {...} group starting at the current token. */
  const group = () => {
    const stack: string[] = [];
    do {
      const token = next();
      if (token.text === '(' || token.text === '{' || token.text === '[') stack.push(token.text);
      else if (token.text === ')' || token.text === '}' || token.text === ']') {
        const open = stack.pop();
        if (open !== OPENING[token.text]) fail(`unbalanced "${token.text}"`, token.at);
      }
    } while (stack.length > 0);
  };
  const directives = () => {
    while (peek()?.text === '@') {
      next();
      name();
      if (peek()?.text === '(') group();
    }
  };
  const selectionSet = () => {
    if (peek()?.text !== '{') fail('expected a selection set "{"');
    group();
  };

  while (i < tokens.length) {
    const token = next();
    if (token.text === '{') {
      i--;
      selectionSet();
      definitions.push({ kind: 'OperationDefinition', operation: 'query' });
    } else if (token.text === 'query' || token.text === 'mutation' || token.text === 'subscription') {
      const operation: OperationDefinitionNode = { kind: 'OperationDefinition', operation: token.text };
      if (peek()?.isName) operation.name = name();
      if (peek()?.text === '(') group();
      directives();
      selectionSet();
      definitions.push(operation);
    } else if (token.text === 'fragment') {
      const fragmentName = name();
      if (fragmentName.value === 'on') fail('a fragment cannot be named "on"', token.at);
      if (next().text !== 'on') fail('expected "on" after the fragment name', tokens[i - 1]?.at);
      name();
      directives();
      selectionSet();
      definitions.push({ kind: 'FragmentDefinition', name: fragmentName });
    } else {
      fail(`unsupported definition "${token.text}" (only operations and fragments are supported)`, token.at);
    }
  }
  if (definitions.length === 0) fail('the document holds no definition');
  return { kind: 'Document', definitions };
}

/** graphql-request prints only DocumentNode objects; our documents are strings. */
export function print(_ast: unknown): string {
  throw new GraphQLLiteError(
    'graphql-lite cannot print a DocumentNode: pass GraphQL documents as strings (see lib/hasura/documents.ts)',
  );
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  const match = (pattern: RegExp): string | undefined => {
    pattern.lastIndex = at;
    return pattern.exec(source)?.[0];
  };
  while (at < source.length) {
    const ignored = match(IGNORED);
    if (ignored) {
      at += ignored.length;
      continue;
    }
    const start = at;
    const char = source[at] as string;
    const name = match(NAME);
    if (name) {
      tokens.push({ text: name, isName: true, at });
      at += name.length;
    } else if (PUNCTUATORS.includes(char)) {
      tokens.push({ text: char, isName: false, at });
      at += 1;
    } else if (source.startsWith('...', at)) {
      tokens.push({ text: '...', isName: false, at });
      at += 3;
    } else if (source.startsWith('"""', at)) {
      at = source.indexOf('"""', at + 3);
      while (at !== -1 && source[at - 1] === '\\') at = source.indexOf('"""', at + 1);
      if (at === -1)
        throw new GraphQLLiteError(`graphql-lite: unterminated block string at ${position(source, start)}`);
      at += 3;
      tokens.push({ text: 'value', isName: false, at: start });
    } else if (char === '"') {
      at += 1;
      while (at < source.length && source[at] !== '"' && source[at] !== '\n' && source[at] !== '\r')
        at += source[at] === '\\' ? 2 : 1;
      if (source[at] !== '"')
        throw new GraphQLLiteError(`graphql-lite: unterminated string at ${position(source, start)}`);
      at += 1;
      tokens.push({ text: 'value', isName: false, at: start });
    } else {
      const number = match(NUMBER);
      if (!number)
        throw new GraphQLLiteError(`graphql-lite: unexpected character "${char}" at ${position(source, at)}`);
      tokens.push({ text: 'value', isName: false, at });
      at += number.length;
    }
  }
  return tokens;
}

function position(source: string, at: number): string {
  const before = source.slice(0, at).split(/\r\n|[\n\r]/);
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}
