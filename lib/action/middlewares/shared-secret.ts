import { AppError } from '../../basics/errors';
import { secretCheck } from '../secret';
import { type ActionMiddleware, header } from './request';

/** The header Hasura sends the actions' shared secret in (hasura-metadata/metadata/actions.yaml). */
export const SECRET_HEADER = 'x-actions-secret';

export interface SharedSecretOptions {
  /** The secret Hasura was given for its action calls. */
  actionsSecret: string;
}

/**
 * Refuses, as `unauthorized`, a call without the shared secret, before anything else of it is
 * read: Hasura's session variables are trusted only after this check (the API Gateway authorizer
 * in front makes the same one, lib/action/authorizer.ts; this one holds wherever the handler runs).
 */
export const sharedSecret = ({ actionsSecret }: SharedSecretOptions): ActionMiddleware => {
  const isSecret = secretCheck(actionsSecret);
  return {
    before: (request) => {
      if (!isSecret(header(request.event, SECRET_HEADER))) throw new AppError('unauthorized');
    },
  };
};
