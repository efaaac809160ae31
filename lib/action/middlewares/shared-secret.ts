import { createHash, timingSafeEqual } from 'node:crypto';
import { AppError } from '../../basics/errors';
import { type ActionMiddleware, header } from './request';

/** The header Hasura sends the actions' shared secret in (hasura-metadata/metadata/actions.yaml). */
export const SECRET_HEADER = 'x-actions-secret';

export interface SharedSecretOptions {
  /** The secret Hasura was given for its action calls. */
  actionsSecret: string;
}

/**
 * Refuses, as `unauthorized`, a call without the shared secret, before anything else of it is
 * read: Hasura's session variables are trusted only after this check.
 */
export const sharedSecret = ({ actionsSecret }: SharedSecretOptions): ActionMiddleware => {
  const expected = digest(actionsSecret);
  return {
    before: (request) => {
      const given = header(request.event, SECRET_HEADER);
      if (given === undefined || !timingSafeEqual(digest(given), expected))
        throw new AppError('unauthorized');
    },
  };
};

/** Digests have one length, so that timingSafeEqual compares a given secret of any length. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
