/** The shape of the stand-in's routes: each resource's module exports a list of them. */
import type { Context } from './context';
import type { Reply } from './reply';

/** Answers one call: `params` are the path's captured ids, decoded; `body` the parsed JSON. */
export type Handler = (context: Context, params: string[], body: unknown) => Reply;

/** Method, path pattern (its groups are the ids) and the handler that answers. */
export type Route = [method: string, pattern: RegExp, handler: Handler];
