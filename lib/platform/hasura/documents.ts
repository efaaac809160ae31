import type { ProjectStatus } from '../../instances/status';
import { document } from './client';

/**
 * Every GraphQL operation the functions send to Hasura: named, with typed variables and results.
 * tests/integration/platform/hasura/documents.test.ts validates each one against the schema Hasura generates
 * from hasura-metadata/.
 *
 * Each `document(...)` call is marked `/* @__PURE__ *\/` (here and in account-documents.ts): a
 * top-level call is otherwise kept by esbuild, and every bundle would carry every document instead
 * of the few its function sends (tests/unit/bundles.test.ts checks both). Shared parts are GraphQL
 * fragments passed to `document` after the operation, never `${interpolated}`: an interpolation
 * keeps the call whatever the annotation.
 */

export interface RefreshTokenRow {
  id: string;
  user_id: number;
  family_id: string;
  token_hash: string;
  expires_at: string;
  family_expires_at: string;
  revoked_at: string | null;
}

export interface NewRefreshToken {
  user_id: number;
  family_id: string;
  token_hash: string;
  expires_at: string;
  family_expires_at: string;
}

/** One call counted against rate limits: see lib/action/handler/rate-limit.ts and the rate_limits migration. */
export interface RateLimitHitInput {
  at: string;
  delta: 1 | -1;
  limits: { key: string; max: number; window_seconds: number }[];
}

export const HitRateLimits = /* @__PURE__ */ document<
  {
    insert_rate_limit_hit_one: { refused_key: string | null; retry_after_seconds: number | null } | null;
  },
  { hit: RateLimitHitInput }
>(/* GraphQL */ `
  mutation HitRateLimits($hit: rate_limit_hit_insert_input!) {
    insert_rate_limit_hit_one(object: $hit) {
      refused_key
      retry_after_seconds
    }
  }`);

export const InsertUser = /* @__PURE__ */ document<
  { insert_user_one: { id: number } | null },
  { email: string; passwordHash: string }
>(
  /* GraphQL */ `
  mutation InsertUser($email: String!, $passwordHash: String!) {
    insert_user_one(object: { email: $email, password_hash: $passwordHash }) {
      id
    }
  }`,
);

/**
 * The account behind an email, for a sign-in whose attempt was already counted (lib/action/handler/rate-limit.ts),
 * and its live sessions beyond the newest `keep` (one row per live family): the new session ends them.
 */
export const SigninUser = /* @__PURE__ */ document<
  { user: { id: number; password_hash: string }[]; refresh_token: { family_id: string }[] },
  { email: string; keep: number; now: string }
>(/* GraphQL */ `
  query SigninUser($email: String!, $keep: Int!, $now: timestamptz!) {
    user(where: { email: { _eq: $email } }, limit: 1) {
      id
      password_hash
    }
    refresh_token(
      where: { user: { email: { _eq: $email } }, revoked_at: { _is_null: true }, expires_at: { _gt: $now } }
      order_by: { created_at: desc }
      offset: $keep
    ) {
      family_id
    }
  }`);

/**
 * Stores a session's first refresh token, gives back the sign-in attempt that opened it (a right
 * password is not a failure: the failures before it stay counted), and drops the user's expired
 * tokens and the sessions beyond their cap (`evict`), atomically.
 */
export const StartSession = /* @__PURE__ */ document<
  { insert_refresh_token_one: { id: string } | null },
  { token: NewRefreshToken; giveBack: RateLimitHitInput[]; userId: number; now: string; evict: string[] }
>(/* GraphQL */ `
  mutation StartSession(
    $token: refresh_token_insert_input!
    $giveBack: [rate_limit_hit_insert_input!]!
    $userId: Int!
    $now: timestamptz!
    $evict: [uuid!]!
  ) {
    insert_refresh_token_one(object: $token) {
      id
    }
    insert_rate_limit_hit(objects: $giveBack) {
      affected_rows
    }
    delete_refresh_token(
      where: { user_id: { _eq: $userId }, _or: [{ expires_at: { _lt: $now } }, { family_id: { _in: $evict } }] }
    ) {
      affected_rows
    }
  }`);

/** The presented token's row, or the rows of the family it claims (to recognise a rotated one). */
export const FindRefreshToken = /* @__PURE__ */ document<
  { refresh_token: RefreshTokenRow[] },
  { hash: string; familyId: string }
>(/* GraphQL */ `
  query FindRefreshToken($hash: String!, $familyId: uuid!) {
    refresh_token(where: { _or: [{ token_hash: { _eq: $hash } }, { family_id: { _eq: $familyId } }] }, limit: 10) {
      id
      user_id
      family_id
      token_hash
      expires_at
      family_expires_at
      revoked_at
    }
  }`);

/**
 * Revokes the presented token, stores its successor and deletes the family's revoked rows, in one
 * transaction: a live family keeps one row (reuse is recognised by the family id in the token).
 */
export const RotateRefreshToken = /* @__PURE__ */ document<
  { update_refresh_token: { affected_rows: number } | null; insert_refresh_token_one: { id: string } | null },
  { id: string; now: string; next: NewRefreshToken; familyId: string }
>(/* GraphQL */ `
  mutation RotateRefreshToken($id: uuid!, $now: timestamptz!, $next: refresh_token_insert_input!, $familyId: uuid!) {
    update_refresh_token(where: { id: { _eq: $id }, revoked_at: { _is_null: true } }, _set: { revoked_at: $now }) {
      affected_rows
    }
    insert_refresh_token_one(object: $next) {
      id
    }
    delete_refresh_token(where: { family_id: { _eq: $familyId }, revoked_at: { _is_null: false } }) {
      affected_rows
    }
  }`);

export const RevokeRefreshTokenFamily = /* @__PURE__ */ document<
  { update_refresh_token: { affected_rows: number } | null },
  { familyId: string; now: string }
>(/* GraphQL */ `
  mutation RevokeRefreshTokenFamily($familyId: uuid!, $now: timestamptz!) {
    update_refresh_token(
      where: { family_id: { _eq: $familyId }, revoked_at: { _is_null: true } }
      _set: { revoked_at: $now }
    ) {
      affected_rows
    }
  }`);

/** Signs out: the whole session (family) of the token goes, even when the token was rotated. */
export const EndSession = /* @__PURE__ */ document<
  { delete_refresh_token: { affected_rows: number } | null },
  { hash: string; familyId: string }
>(/* GraphQL */ `
  mutation EndSession($hash: String!, $familyId: uuid!) {
    delete_refresh_token(where: { _or: [{ family_id: { _eq: $familyId } }, { token_hash: { _eq: $hash } }] }) {
      affected_rows
    }
  }`);

// ---- projects ---------------------------------------------------------------------------------

export interface ProjectRow {
  id: number;
  name: string;
  status: ProjectStatus;
  status_reason: string | null;
  url: string | null;
  qovery_environment_id: string | null;
  qovery_appwrite_id: string | null;
  qovery_mariadb_id?: string | null;
  created_at: string;
  /** When the owner's console account was made (lib/instances/console-seat); null until then. */
  console_account_at?: string | null;
  /** Why the instance's upgrade stopped (lib/instances/upgrades), shown as its ERROR reason; null otherwise. */
  upgrade_error?: string | null;
  /** The owner (the `user` relationship). */
  user?: { email: string };
}

/**
 * The selection that fills a ProjectRow, as one fragment: the documents that read whole rows
 * (FindOwnProject, ConsoleCandidates) spread it, so a column added to the row is added once. Not
 * exported: every exported string here is an operation (documents.test.ts).
 */
const PROJECT_ROW_FIELDS = /* GraphQL */ `
  fragment ProjectRowFields on project {
    id
    name
    status
    status_reason
    url
    qovery_environment_id
    qovery_appwrite_id
    qovery_mariadb_id
    created_at
    console_account_at
    upgrade_error
    user {
      email
    }
  }`;

/** The user's used quota slots, and their e-mail (the only one an instance's console admits). */
export const ProjectSlots = /* @__PURE__ */ document<
  { project: { slot: number }[]; user_by_pk: { email: string } | null },
  { ownerId: number }
>(/* GraphQL */ `
  query ProjectSlots($ownerId: Int!) {
    project(where: { owner_id: { _eq: $ownerId } }) {
      slot
    }
    user_by_pk(id: $ownerId) {
      email
    }
  }`);

/**
 * Takes a quota slot, or returns null when another call took it first (unique owner_id+slot). The
 * row records the AppWrite release the instance is created with.
 */
export const ClaimProjectSlot = /* @__PURE__ */ document<
  { insert_project_one: { id: number } | null },
  { ownerId: number; slot: number; name: string; version: string }
>(/* GraphQL */ `
  mutation ClaimProjectSlot($ownerId: Int!, $slot: smallint!, $name: String!, $version: String!) {
    insert_project_one(
      object: { owner_id: $ownerId, slot: $slot, name: $name, status: "CREATING", appwrite_version: $version }
      on_conflict: { constraint: project_owner_id_slot_key, update_columns: [] }
    ) {
      id
    }
  }`);

export const SaveProvisionedProject = /* @__PURE__ */ document<
  { update_project_by_pk: { id: number } | null },
  {
    id: number;
    set: {
      status: ProjectStatus;
      url: string | null;
      qovery_environment_id: string;
      qovery_appwrite_id: string;
      qovery_mariadb_id: string;
      qovery_redis_id: string;
    };
  }
>(/* GraphQL */ `
  mutation SaveProvisionedProject($id: Int!, $set: project_set_input!) {
    update_project_by_pk(pk_columns: { id: $id }, _set: $set) {
      id
    }
  }`);

/** The caller's project: filtered by owner, so another user's id finds nothing. */
export const FindOwnProject = /* @__PURE__ */ document<
  { project: ProjectRow[] },
  { id: number; ownerId: number }
>(
  /* GraphQL */ `
  query FindOwnProject($id: Int!, $ownerId: Int!) {
    project(where: { id: { _eq: $id }, owner_id: { _eq: $ownerId } }, limit: 1) {
      ...ProjectRowFields
    }
  }`,
  PROJECT_ROW_FIELDS,
);

/** The owner's console account exists (created by the control plane, or found there). */
export const MarkConsoleAccount = /* @__PURE__ */ document<
  { update_project_by_pk: { id: number } | null },
  { id: number; at: string }
>(/* GraphQL */ `
  mutation MarkConsoleAccount($id: Int!, $at: timestamptz!) {
    update_project_by_pk(pk_columns: { id: $id }, _set: { console_account_at: $at }) {
      id
    }
  }`);

export const UpdateProject = /* @__PURE__ */ document<
  { update_project_by_pk: { id: number } | null },
  { id: number; set: { status?: ProjectStatus; url?: string; qovery_environment_id?: string } }
>(/* GraphQL */ `
  mutation UpdateProject($id: Int!, $set: project_set_input!) {
    update_project_by_pk(pk_columns: { id: $id }, _set: $set) {
      id
    }
  }`);

/**
 * Moves a project from one status to another, only if it is still in the first: two writers (an
 * action and the reconciler, say) never overwrite each other's newer news.
 */
export const MoveProject = /* @__PURE__ */ document<
  { update_project: { affected_rows: number } | null },
  { id: number; from: ProjectStatus; status: ProjectStatus; reason: string | null }
>(/* GraphQL */ `
  mutation MoveProject($id: Int!, $from: String!, $status: String!, $reason: String) {
    update_project(
      where: { id: { _eq: $id }, status: { _eq: $from } }
      _set: { status: $status, status_reason: $reason }
    ) {
      affected_rows
    }
  }`);

/** Removes projects whose deletion Qovery confirmed; only rows still DELETING. Frees their slots. */
export const RemoveDeletedProjects = /* @__PURE__ */ document<
  { delete_project: { affected_rows: number } | null },
  { ids: number[] }
>(/* GraphQL */ `
  mutation RemoveDeletedProjects($ids: [Int!]!) {
    delete_project(where: { id: { _in: $ids }, status: { _eq: "DELETING" } }) {
      affected_rows
    }
  }`);

/** Removes a row that never got an instance (a failed CreateProject's own clean-up). */
export const RemoveProject = /* @__PURE__ */ document<
  { delete_project_by_pk: { id: number } | null },
  { id: number }
>(/* GraphQL */ `
  mutation RemoveProject($id: Int!) {
    delete_project_by_pk(id: $id) {
      id
    }
  }`);

// ---- reconciler -------------------------------------------------------------------------------

export interface ReconcileRow {
  id: number;
  status: ProjectStatus;
  status_reason: string | null;
  qovery_environment_id: string | null;
  created_at: string;
  /** Null until the owner's console seat is taken (the reconciler takes it: lib/instances/console-seat). */
  console_account_at: string | null;
  /** Why the instance's upgrade stopped (lib/instances/upgrades): its reason while it is ERROR. */
  upgrade_error?: string | null;
}

/** One page of every project, in id order (the reconciler reads them all, page by page). */
export const ReconcileRows = /* @__PURE__ */ document<
  { project: ReconcileRow[] },
  { after: number; limit: number }
>(/* GraphQL */ `
  query ReconcileRows($after: Int!, $limit: Int!) {
    project(where: { id: { _gt: $after } }, order_by: { id: asc }, limit: $limit) {
      id
      status
      status_reason
      qovery_environment_id
      created_at
      console_account_at
      upgrade_error
    }
  }`);

/** Projects whose owner's console seat is still free, with what taking it needs (at most `ids`). */
export const ConsoleCandidates = /* @__PURE__ */ document<{ project: ProjectRow[] }, { ids: number[] }>(
  /* GraphQL */ `
  query ConsoleCandidates($ids: [Int!]!) {
    project(where: { id: { _in: $ids }, status: { _eq: "RUNNING" }, console_account_at: { _is_null: true } }) {
      ...ProjectRowFields
    }
  }`,
  PROJECT_ROW_FIELDS,
);

/** Projects that go from one status to another, all with the same reason. */
export interface ProjectMove {
  ids: number[];
  from: ProjectStatus;
  status: ProjectStatus;
  reason: string | null;
}

/**
 * Moves many projects in one request (one transaction): one aliased `update_project` per group of
 * projects that make the same move, each only if still in the status the reconciler read. The
 * number of groups is bounded by the number of (from, to, reason) triples, not by the projects.
 */
export function MoveProjects(moves: readonly ProjectMove[]): {
  doc: ReturnType<typeof document<Record<string, { affected_rows: number } | null>, Record<string, unknown>>>;
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

/**
 * Forgets what no longer matters: expired refresh tokens, revoked ones once their reuse no longer
 * needs catching, and rate-limit counters (sign-in failures among them) whose window has passed.
 */
export const PurgeExpired = /* @__PURE__ */ document<
  {
    delete_refresh_token: { affected_rows: number } | null;
    delete_rate_limit: { affected_rows: number } | null;
  },
  { now: string; revokedBefore: string }
>(/* GraphQL */ `
  mutation PurgeExpired($now: timestamptz!, $revokedBefore: timestamptz!) {
    delete_refresh_token(where: { _or: [{ expires_at: { _lt: $now } }, { revoked_at: { _lt: $revokedBefore } }] }) {
      affected_rows
    }
    delete_rate_limit(where: { expires_at: { _lt: $now } }) {
      affected_rows
    }
  }`);
// ---- upgrades (lib/instances/upgrades.ts, scripts/upgrade.ts) -------------------------------------------

export interface UpgradeRow {
  id: number;
  status: ProjectStatus;
  qovery_environment_id: string | null;
  appwrite_version: string;
  appwrite_target_version: string | null;
  upgrade_step: string | null;
  upgrade_step_at: string | null;
  upgrade_error: string | null;
}

const UPGRADE_ROW_FIELDS = /* GraphQL */ `
  fragment UpgradeRowFields on project {
    id
    status
    qovery_environment_id
    appwrite_version
    appwrite_target_version
    upgrade_step
    upgrade_step_at
    upgrade_error
  }`;

/** Projects an operator asked to upgrade and that are not there yet, in id order. */
export const PendingUpgrades = /* @__PURE__ */ document<{ project: UpgradeRow[] }, { limit: number }>(
  /* GraphQL */ `
  query PendingUpgrades($limit: Int!) {
    project(where: { appwrite_target_version: { _is_null: false } }, order_by: { id: asc }, limit: $limit) {
      ...UpgradeRowFields
    }
  }`,
  UPGRADE_ROW_FIELDS,
);

/** A step is about to be asked of Qovery: only if the row is still where it was read, between steps. */
export const BeginUpgradeStep = /* @__PURE__ */ document<
  { update_project: { affected_rows: number } | null },
  { id: number; from: string; step: string; at: string }
>(/* GraphQL */ `
  mutation BeginUpgradeStep($id: Int!, $from: String!, $step: String!, $at: timestamptz!) {
    update_project(
      where: {
        id: { _eq: $id }
        appwrite_version: { _eq: $from }
        upgrade_step: { _is_null: true }
        upgrade_error: { _is_null: true }
      }
      _set: { upgrade_step: $step, upgrade_step_at: $at }
    ) {
      affected_rows
    }
  }`);

/** Qovery did not take the step: it is asked again later. */
export const ForgetUpgradeStep = /* @__PURE__ */ document<
  { update_project: { affected_rows: number } | null },
  { id: number; step: string }
>(/* GraphQL */ `
  mutation ForgetUpgradeStep($id: Int!, $step: String!) {
    update_project(
      where: { id: { _eq: $id }, upgrade_step: { _eq: $step } }
      _set: { upgrade_step: null, upgrade_step_at: null }
    ) {
      affected_rows
    }
  }`);

/** The step is done (deployed, migrated): the instance runs it; the target goes once reached. */
export const FinishUpgradeStep = /* @__PURE__ */ document<
  { update_project: { affected_rows: number } | null },
  { id: number; step: string; target: string | null }
>(/* GraphQL */ `
  mutation FinishUpgradeStep($id: Int!, $step: String!, $target: String) {
    update_project(
      where: { id: { _eq: $id }, upgrade_step: { _eq: $step } }
      _set: {
        appwrite_version: $step
        appwrite_target_version: $target
        upgrade_step: null
        upgrade_step_at: null
        upgrade_error: null
      }
    ) {
      affected_rows
    }
  }`);

/** The upgrade stops, with a user-safe reason, until the operator asks again. */
export const StopUpgrade = /* @__PURE__ */ document<
  { update_project: { affected_rows: number } | null },
  { id: number; reason: string }
>(/* GraphQL */ `
  mutation StopUpgrade($id: Int!, $reason: String!) {
    update_project(where: { id: { _eq: $id }, upgrade_error: { _is_null: true } }, _set: { upgrade_error: $reason }) {
      affected_rows
    }
  }`);

/** One page of every project's release and upgrade (the operator's `npm run upgrade`). */
export const ProjectVersions = /* @__PURE__ */ document<
  { project: UpgradeRow[] },
  { after: number; limit: number }
>(
  /* GraphQL */ `
  query ProjectVersions($after: Int!, $limit: Int!) {
    project(where: { id: { _gt: $after } }, order_by: { id: asc }, limit: $limit) {
      ...UpgradeRowFields
    }
  }`,
  UPGRADE_ROW_FIELDS,
);

/**
 * The operator asks for an upgrade of these projects (not those being deleted): a stopped upgrade
 * is retried from its last recorded version (its step is forgotten, then its reason).
 */
export const RequestUpgrade = /* @__PURE__ */ document<
  {
    retried: { affected_rows: number } | null;
    asked: { affected_rows: number } | null;
  },
  { ids: number[]; target: string }
>(/* GraphQL */ `
  mutation RequestUpgrade($ids: [Int!]!, $target: String!) {
    retried: update_project(
      where: { id: { _in: $ids }, upgrade_error: { _is_null: false } }
      _set: { upgrade_step: null, upgrade_step_at: null }
    ) {
      affected_rows
    }
    asked: update_project(
      where: { id: { _in: $ids }, status: { _neq: "DELETING" } }
      _set: { appwrite_target_version: $target, upgrade_error: null }
    ) {
      affected_rows
    }
  }`);

export * from './account-documents';
