import { AppError } from '../../lib/basics/errors';

/** What a call of the business logic came to: 'ok', the code of the AppError it failed with, or any other error as is. */
export function outcome(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => 'ok',
    (error: unknown) => (error instanceof AppError ? error.code : error),
  );
}
