/**
 * The one base class for errors whose message is written for the person
 * using the server: what went wrong and what to do. Code that turns a failure
 * into text (`describeGeminiError`, a tool's `isError` result) passes such a
 * message through as it is; any other error gets a prefix and, for Gemini's
 * HTTP failures, a hint.
 * @module
 */

/** An error whose `message` a user may read as is. Subclasses set `name`. */
export class UserFacingError extends Error {
  /** Marks the type apart from a plain `Error` (the two are otherwise the same shape). */
  readonly userFacing = true;
}

/** True when `error`'s message is written for the user. */
export function isUserFacing(error: unknown): error is UserFacingError {
  return error instanceof UserFacingError;
}
