/**
 * Typed errors of the airlock. Each carries the HTTP status the API answers with (DESIGN §8) and a
 * `detail` a person can act on; the HTTP layer maps them without knowing their causes.
 */
export abstract class AirlockError extends Error {
  abstract readonly httpStatus: number;
  constructor(readonly detail: string) {
    super(detail);
    this.name = new.target.name;
  }
}

/** A body, a query or a path parameter is malformed, or the action is illegal in the current status. */
export class ValidationError extends AirlockError {
  readonly httpStatus = 400;
}

/** The requested status change is not in the transition table. */
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

/** A dependency (store, storage, durable backend) did not answer. */
export class DependencyError extends AirlockError {
  readonly httpStatus = 503;
}

export function isAirlockError(error: unknown): error is AirlockError {
  return error instanceof AirlockError;
}
