// GraphQL selection handling shared by the SQL compiler and the action executor: fields grouped by
// response key (aliases merged, fragments inlined, @skip/@include applied) and argument values.

import {
  type FieldNode,
  type FragmentDefinitionNode,
  type FragmentSpreadNode,
  type GraphQLField,
  GraphQLIncludeDirective,
  type GraphQLObjectType,
  GraphQLSkipDirective,
  getArgumentValues,
  getDirectiveValues,
  type InlineFragmentNode,
  Kind,
  type SelectionSetNode,
} from 'graphql';
import { HasuraError } from './errors';

export interface SelectionContext {
  variables: Record<string, unknown>;
  fragments: Record<string, FragmentDefinitionNode>;
}

export type FieldGroups = Map<string, FieldNode[]>;

function included(node: FieldNode | InlineFragmentNode | FragmentSpreadNode, ctx: SelectionContext): boolean {
  const skip = getDirectiveValues(GraphQLSkipDirective, node, ctx.variables);
  if (skip?.if === true) return false;
  const include = getDirectiveValues(GraphQLIncludeDirective, node, ctx.variables);
  return include?.if !== false;
}

export function collectFields(
  ctx: SelectionContext,
  parentType: GraphQLObjectType,
  selectionSet: SelectionSetNode | undefined,
  into: FieldGroups = new Map(),
): FieldGroups {
  for (const selection of selectionSet?.selections ?? []) {
    if (!included(selection, ctx)) continue;
    if (selection.kind === Kind.FIELD) {
      const key = selection.alias?.value ?? selection.name.value;
      const group = into.get(key);
      if (group) group.push(selection);
      else into.set(key, [selection]);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (selection.typeCondition && selection.typeCondition.name.value !== parentType.name) continue;
      collectFields(ctx, parentType, selection.selectionSet, into);
    } else {
      const fragment = ctx.fragments[selection.name.value];
      if (!fragment || fragment.typeCondition.name.value !== parentType.name) continue;
      collectFields(ctx, parentType, fragment.selectionSet, into);
    }
  }
  return into;
}

/** The merged sub-selection of a group of same-key fields. */
export function subFields(
  ctx: SelectionContext,
  type: GraphQLObjectType,
  nodes: readonly FieldNode[],
): FieldGroups {
  const out: FieldGroups = new Map();
  for (const node of nodes) collectFields(ctx, type, node.selectionSet, out);
  return out;
}

export function argumentsOf(
  ctx: SelectionContext,
  field: GraphQLField<unknown, unknown>,
  node: FieldNode,
  path: string,
): Record<string, unknown> {
  try {
    return getArgumentValues(field, node, ctx.variables);
  } catch (error) {
    throw new HasuraError('validation-failed', (error as Error).message, { path });
  }
}
