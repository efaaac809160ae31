import { type Document, document } from './client';
import type { Columns } from './columns';
import type {
  FindRefreshTokenQuery,
  ProjectRowFieldsFragment,
  Rate_Limit_Hit_Insert_Input,
  ReconcileRowsQuery,
  Refresh_Token_Insert_Input,
  UpgradeRowFieldsFragment,
} from './generated';

/**
 * Every GraphQL operation the functions send to Hasura, named, with its variables and result typed
 * from the schema. Each is written in operations/*.graphql; generated.ts (`npm run codegen`, see
 * codegen.ts) holds it as a plain string constant typed with its result and variables: a bundle
 * carries only the documents its function imports (tests/unit/bundles.test.ts). A test checks
 * generated.ts is up to date (tests/integration/platform/hasura/codegen.test.ts), and
 * tests/integration/platform/hasura/documents.test.ts validates each document against the schema
 * Hasura generates from hasura-metadata/.
 */
export * from './generated';

export type RefreshTokenRow = FindRefreshTokenQuery['refresh_token'][number];

export type NewRefreshToken = Columns<
  Refresh_Token_Insert_Input,
  'user_id' | 'family_id' | 'token_hash' | 'expires_at' | 'family_expires_at'
>;

/**
 * One call counted against rate limits (HitRateLimits, lib/action/rate-limit.ts). The trigger of
 * hasura-metadata/migrations/default/1795860011000_rate_limits/up.sql reads `limits`, a jsonb
 * column whose shape the schema does not know.
 */
export type RateLimitHitInput = Columns<Rate_Limit_Hit_Insert_Input, 'at'> & {
  delta: 1 | -1;
  limits: { key: string; max: number; window_seconds: number }[];
};

// ---- projects ---------------------------------------------------------------------------------

/** A whole project row, as FindOwnProject and ConsoleCandidates read it (ProjectRowFields). */
export type ProjectRow = ProjectRowFieldsFragment;

/** A project as the reconciler reads it (ReconcileRows). */
export type ReconcileRow = ReconcileRowsQuery['project'][number];

/** A project's release and upgrade (UpgradeRowFields). */
export type UpgradeRow = UpgradeRowFieldsFragment;

/** Projects that go from one status to another, all with the same reason. */
export interface ProjectMove {
  ids: number[];
  from: string;
  status: string;
  reason: string | null;
}

/**
 * Moves many projects in one request (one transaction): one aliased `update_project` per group of
 * projects that make the same move, each only if still in the status the reconciler read. The
 * number of groups is bounded by the number of (from, to, reason) triples, not by the projects, so
 * the document is built here rather than written in operations/.
 */
export function MoveProjects(moves: readonly ProjectMove[]): {
  doc: Document<Record<string, { affected_rows: number } | null>, Record<string, unknown>>;
  variables: Record<string, unknown>;
} {
  const declarations: string[] = [];
  const fields: string[] = [];
  const variables: Record<string, unknown> = {};
  moves.forEach((move, i) => {
    declarations.push(`$ids${i}: [Int!]!`, `$from${i}: String!`, `$set${i}: project_set_input!`);
    fields.push(
      `m${i}: update_project(where: { id: { _in: $ids${i} }, status: { _eq: $from${i} } }, _set: $set${i}) { affected_rows }`,
    );
    variables[`ids${i}`] = move.ids;
    variables[`from${i}`] = move.from;
    variables[`set${i}`] = { status: move.status, status_reason: move.reason };
  });
  return {
    doc: document(`mutation MoveProjects(${declarations.join(', ')}) {\n  ${fields.join('\n  ')}\n}`),
    variables,
  };
}

export * from './account-documents';
