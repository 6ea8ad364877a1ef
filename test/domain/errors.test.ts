import {
  AirlockError,
  ConflictError,
  DependencyError,
  IllegalTransitionError,
  IntegrityError,
  InvariantError,
  isAirlockError,
  RequestValidationError,
  SubmissionChangedError,
  ValidationError,
} from '../../src/domain/errors';

describe('the airlock error family', () => {
  test('a hash or placement mismatch is an airlock error whose fault is the airlock, not the caller', () => {
    const error = new IntegrityError("file 'a.csv' changed while moving to the approved stage");

    expect(isAirlockError(error)).toBe(true);
    expect(error.httpStatus).toBe(500);
    expect(error.detail).toBe("file 'a.csv' changed while moving to the approved stage");
    expect(error.name).toBe('IntegrityError');
  });

  test("the workflow's own broken expectation is not mistaken for a person's illegal action", () => {
    const error = new InvariantError("expected the request to be 'submitted' before 'in_review', but it is 'draft'");

    expect(error).toBeInstanceOf(AirlockError);
    expect(error).not.toBeInstanceOf(IllegalTransitionError);
    expect(error.httpStatus).toBe(500);
    expect(new IllegalTransitionError('Cannot submit a request in status \'in_review\'').httpStatus).toBe(400);
  });

  test('a submission changed after submit is a conflict, as the storage layer reports it', () => {
    const error = new SubmissionChangedError("file 'empty.txt' was changed or deleted after the request was submitted");

    expect(error).toBeInstanceOf(ConflictError);
    expect(error.httpStatus).toBe(409);
    expect(error.name).toBe('SubmissionChangedError');
  });

  test("malformed input is 422, as Azure TRE's API answers it; an action the request's state does not allow stays 400", () => {
    const malformed = new RequestValidationError('body.type is required');

    expect(malformed).toBeInstanceOf(ValidationError);
    expect(malformed.httpStatus).toBe(422);
    expect(malformed.name).toBe('RequestValidationError');
    expect(new ValidationError('Request has no files').httpStatus).toBe(400);
  });

  test("a dependency's own error is kept as the cause, out of the detail a caller is answered", () => {
    const sdkError = new Error('ECONNRESET 10.0.0.4:443 x-ms-request-id 5b1c');
    const error = new DependencyError('request store unavailable: connection reset', { cause: sdkError });

    expect(error.cause).toBe(sdkError);
    expect(error.detail).toBe('request store unavailable: connection reset');
    expect(error.message).toBe(error.detail);
  });

  test('an error from outside the family is not taken for one', () => {
    expect(isAirlockError(new Error('socket hang up'))).toBe(false);
  });
});
