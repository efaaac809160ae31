import { toHasuraError } from '../../basics/errors';
import { type ActionMiddleware, json } from './request';

/**
 * Answers every failure as Hasura expects an action's error: a 4xx `{message, extensions: {code}}`
 * from the catalogue (lib/basics/errors.ts); an unexpected one as `internal-error` with the request id.
 */
export const hasuraErrors = (): ActionMiddleware => ({
  onError: (request) => {
    const { status, body } = toHasuraError(request.error, request.internal.requestId);
    request.response = json(status, body);
  },
});
