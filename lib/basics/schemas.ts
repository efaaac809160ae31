import * as v from 'valibot';

/** Input fields shared by the actions' schemas (each action's own schema lives beside its handler). */

const byteLength = (text: string) => Buffer.byteLength(text, 'utf8');

/** bcrypt only reads the first 72 bytes of a password: longer ones are refused, never truncated. */
export const PASSWORD_MIN_BYTES = 8;
export const PASSWORD_MAX_BYTES = 72;

export const Email = v.pipe(
  v.string('email must be a string'),
  v.trim(),
  v.toLowerCase(),
  v.nonEmpty('email is required'),
  v.maxLength(254, 'email must be at most 254 characters'),
  v.email('email must be a valid email address'),
);

/** A new password: 8 to 72 bytes, because bcrypt ignores whatever is past 72 bytes. */
export const NewPassword = v.pipe(
  v.string('password must be a string'),
  v.check(
    (p) => byteLength(p) >= PASSWORD_MIN_BYTES,
    `password must be at least ${PASSWORD_MIN_BYTES} characters`,
  ),
  v.check((p) => byteLength(p) <= PASSWORD_MAX_BYTES, `password must be at most ${PASSWORD_MAX_BYTES} bytes`),
);

/**
 * A console password for an AppWrite instance, by AppWrite's own rule (its Password validator: 8 to
 * 256 characters; AppWrite hashes with Argon2, so there is no 72-byte cut as with our bcrypt).
 */
export const ConsolePassword = v.pipe(
  v.string('password must be a string'),
  v.minLength(8, 'password must be at least 8 characters'),
  v.maxLength(256, 'password must be at most 256 characters'),
);

/** A password to check: any non-empty string of sane size (a wrong one is `invalid-credentials`). */
export const GivenPassword = v.pipe(
  v.string('password must be a string'),
  v.nonEmpty('password is required'),
  v.maxLength(1024, 'password is too long'),
);

export const RefreshTokenField = v.pipe(
  v.string('refreshToken must be a string'),
  v.nonEmpty('refreshToken is required'),
  v.maxLength(512, 'refreshToken is too long'),
);

/** A project name: trimmed, 1 to 63 printable characters (no control or invisible format characters). */
export const ProjectName = v.pipe(
  v.string('name must be a string'),
  v.trim(),
  v.nonEmpty('name is required'),
  v.check((name) => [...name].length <= 63, 'name must be at most 63 characters'),
  v.regex(/^[^\p{C}]+$/u, 'name must contain printable characters only'),
);

export const ProjectId = v.pipe(
  v.number('id must be a number'),
  v.integer('id must be an integer'),
  v.minValue(1, 'id must be positive'),
  v.maxValue(2147483647, 'id is too large'),
);

/** The token of an emailed link (VerifyEmail, ResetPassword): 43 base64url characters when genuine. */
export const TicketToken = v.pipe(
  v.string('token must be a string'),
  v.trim(),
  v.nonEmpty('token is required'),
  v.maxLength(128, 'token is too long'),
);

/**
 * The token of a CAPTCHA widget (Turnstile or hCaptcha), checked with the provider when the check
 * is on (lib/action/middlewares/captcha.ts). Optional in every input, so that turning the check on
 * or off changes no client that does not send it; null is what Hasura passes for an explicit null.
 * At most 2048 characters, Turnstile's documented maximum (hCaptcha's are shorter).
 */
// `@__PURE__` on every call: the functions that do not use it (all but three) drop it from their bundle.
export const CaptchaToken = /* @__PURE__ */ v.nullish(
  /* @__PURE__ */ v.pipe(
    /* @__PURE__ */ v.string('captchaToken must be a string'),
    /* @__PURE__ */ v.trim(),
    /* @__PURE__ */ v.maxLength(2048, 'captchaToken is too long'),
  ),
);

/** A host name as typed: lib/instances/domains/names.ts says whether an instance can serve it. */
export const DomainName = /* @__PURE__ */ v.pipe(
  /* @__PURE__ */ v.string('domain must be a string'),
  /* @__PURE__ */ v.maxLength(300, 'domain is too long'),
);
