/**
 * Typed errors of the airlock. Each carries the HTTP status the API answers with (docs/architecture.md,
 * API conventions) and a `detail` a person can act on; the HTTP layer maps them without knowing their causes.
 */
export abstract class AirlockError extends Error {
  abstract readonly httpStatus: number;
  /** `options.cause`: the failure behind this one (an SDK's error, say), for logs and debugging; only `detail` is ever answered. */
  constructor(readonly detail: string, options?: ErrorOptions) {
    super(detail, options);
    this.name = new.target.name;
  }
}

/**
 * The request cannot be carried out as asked: the action is not possible in the request's current
 * status, or its files are not acceptable (names, count). A malformed body, query or path parameter
 * is the subclass RequestValidationError.
 */
export class ValidationError extends AirlockError {
  readonly httpStatus: number = 400;
}

/**
 * A body, a query string or a path parameter that is malformed: a missing or unknown field, a
 * wrong type, a value out of range. 422, as Azure TRE's API (FastAPI) answers request validation
 * errors, so its clients see the code they expect; the body stays our readable `{detail}`.
 */
export class RequestValidationError extends ValidationError {
  override readonly httpStatus = 422;
}

/** A status change the transition table does not allow: typically a person's action on a request in the wrong status. */
export class IllegalTransitionError extends AirlockError {
  readonly httpStatus = 400;
}

export class UnauthenticatedError extends AirlockError {
  readonly httpStatus = 401;
}

export class ForbiddenError extends AirlockError {
  readonly httpStatus = 403;
}

export class NotFoundError extends AirlockError {
  readonly httpStatus = 404;
}

/** The workspace has the airlock switched off (Azure TRE answers 405). */
export class AirlockDisabledError extends AirlockError {
  readonly httpStatus = 405;
}

/** Somebody else changed the request between our read and our write; nothing was overwritten. */
export class ConflictError extends AirlockError {
  readonly httpStatus = 409;
}

/** A dependency (store, storage, durable backend, scanner, mail) did not answer. */
export class DependencyError extends AirlockError {
  readonly httpStatus = 503;
}

/** The requester changed or deleted a submitted file after submit: the submission is no longer what they submitted. */
export class SubmissionChangedError extends ConflictError {}

/**
 * The files are not what the airlock recorded: a digest differs from the SHA-256 recorded at submit,
 * or the files are not in the stage the request says they are in. Activities fail with it and the
 * workflow fails the request closed with `detail` as the reason; no person's action causes it, so if
 * it ever reached the API it would be the airlock's fault (500), never the caller's.
 */
export class IntegrityError extends AirlockError {
  readonly httpStatus = 500;
}

/**
 * The airlock's own state is not what its workflow expected (a status, a stored record, a step's
 * precondition). Unlike IllegalTransitionError, which refuses a person's illegal action with 400,
 * this is the workflow's mistake or a race it lost: activities and orchestrators fail with it,
 * and it is not answered to users directly (500 if it ever were).
 */
export class InvariantError extends AirlockError {
  readonly httpStatus = 500;
}

export function isAirlockError(error: unknown): error is AirlockError {
  return error instanceof AirlockError;
}
