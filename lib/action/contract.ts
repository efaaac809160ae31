import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type * as v from 'valibot';
import type { Logger } from '../basics/log';
import type { ActionMetrics } from '../basics/metrics';
import type { SectionName as Section } from '../basics/settings';
import type { CaptchaVerifier } from '../platform/captcha';
import type { Counted, Limit, RateLimiter } from './rate-limit';
import type { LimitsConfig } from './settings';

/**
 * What an action is and what it is given: the types every function, the middlewares and the
 * runtime share. lib/action/handler.ts turns an action and its runtime into a Lambda handler.
 */

/** 'public': any role (anonymous callers included). 'user': role `user` with a numeric user id. */
export type Access = 'public' | 'user';

export interface ActionCall<I, A extends Access = Access> {
  input: I;
  role: string;
  userId: A extends 'user' ? number : number | undefined;
  /**
   * The client's address as our load balancer saw it (never a value the client chose), when
   * Hasura forwards client headers for this action; see `clientAddress`.
   */
  address: string | undefined;
  /** The call as counted against the action's own `limits` (to give the hits back), if counted. */
  counted: Counted | undefined;
  requestId: string;
  log: Logger;
  /** Epoch ms by which the action must have answered (its time budget). */
  deadline: number;
  /** True once the caller passed the CAPTCHA check (only when the check is on and the action opts in). */
  captchaPassed?: true;
}

/** The limits of an action beyond the per-caller one (see `Action.limits`). */
export type OwnLimits<I, A extends Access = Access> = (
  call: ActionCall<I, A>,
  settings: LimitsConfig,
) => Limit[];

export interface Action<S extends v.GenericSchema, O, D, A extends Access = Access> {
  name: string;
  access: A;
  input: S;
  /**
   * Limits of this action beyond the per-caller one, counted in the same round trip, after it
   * and in this order (a call refused by one is not counted by those after it).
   */
  limits?: OwnLimits<v.InferOutput<S>, A>;
  /**
   * When true, and a CAPTCHA provider is configured (CAPTCHA_PROVIDER), the call must carry a
   * token the provider accepts (`captchaToken` in its input) before it is counted or run
   * (lib/action/middlewares/captcha.ts). Off by default, and without a provider nothing changes.
   */
  captcha?: boolean;
  run(call: ActionCall<v.InferOutput<S>, A>, deps: D): Promise<O>;
}

/** Identity helper that lets TypeScript infer the input type from the schema. */
export function defineAction<S extends v.GenericSchema, O, D, A extends Access>(action: Action<S, O, D, A>) {
  return action;
}

/** The rate limiter and the settings of the limits it counts. */
export interface RuntimeLimits {
  limiter: RateLimiter;
  settings: LimitsConfig;
}

export interface Runtime<D> {
  actionsSecret: string;
  log: Logger;
  /** Metrics per action and outcome (EMF); absent off AWS. */
  metrics?: ActionMetrics;
  /** Time budget of one invocation in ms. */
  budgetMs: number;
  /** Rate limits; without them (tests with fakes) calls are not counted. */
  limits?: RuntimeLimits;
  /** The CAPTCHA check of the actions that opt in (`Action.captcha`); absent when it is off. */
  captcha?: CaptchaVerifier;
  deps: D;
}

export type ActionHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * Builds an action's runtime, once per cold start (sync or async: secrets may come from SSM).
 * `sections`, when given, are the settings the runtime reads (see lib/runtime/index.ts `defineRuntime`).
 */
export type RuntimeSource<D> = (() => Runtime<D> | Promise<Runtime<D>>) & {
  readonly sections?: readonly Section[];
};

/** A Lambda handler that also says which configuration sections it reads (for packaging). */
export type DeclaredHandler = ActionHandler & { readonly sections: readonly Section[] };
