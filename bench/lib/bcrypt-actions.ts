/**
 * The actions whose work is mostly bcrypt, at BCRYPT_COST: Signin and ChangePassword compare,
 * VerifyEmail (the password chosen with the emailed code), ResetPassword and ChangePassword hash.
 * Signup stores no password while e-mail verification is on (the default). Their targets compare
 * them with bcrypt alone (bench/bare/handlers.ts `bcryptOnly` has one entry for each).
 */
export const BCRYPT_ACTIONS: ReadonlySet<string> = new Set([
  'Signin',
  'VerifyEmail',
  'ResetPassword',
  'ChangePassword',
]);
