/**
 * How an error becomes an answer: the caller gets the error's status and `detail`, never its cause;
 * the operator's log gets both for a server-side failure.
 */
import { InvocationContext } from '@azure/functions';
import { DependencyError, ForbiddenError } from '../../../src/domain/errors';
import { errorResponse } from '../../../src/functions/http/httpMapping';

function contextLogging(lines: string[]): InvocationContext {
  return new InvocationContext({
    functionName: 'someFunction',
    invocationId: 'test',
    logHandler: (level, ...args) => lines.push(`${level}: ${args.map(String).join(' ')}`),
  });
}

test("a dependency failure answers its detail; the log names its cause, which the caller never sees", () => {
  const lines: string[] = [];
  const cause = new Error('connect ECONNREFUSED 10.0.0.4:443');
  const answer = errorResponse(new DependencyError('the stage storage did not answer', { cause }), contextLogging(lines));
  expect(answer.status).toBe(503);
  expect(answer.jsonBody).toEqual({ detail: 'the stage storage did not answer' });
  expect(JSON.stringify(answer)).not.toContain('ECONNREFUSED');
  expect(lines).toEqual([expect.stringMatching(/^warning: someFunction: the stage storage did not answer \(cause: .*ECONNREFUSED 10\.0\.0\.4:443/)]);
});

test("a refusal answers its detail and is not logged as a failure", () => {
  const lines: string[] = [];
  const answer = errorResponse(new ForbiddenError('Only an Airlock Manager can review a request'), contextLogging(lines));
  expect(answer.status).toBe(403);
  expect(answer.jsonBody).toEqual({ detail: 'Only an Airlock Manager can review a request' });
  expect(lines).toEqual([]);
});

test('an error outside the family answers a bare 500 and logs the error itself', () => {
  const lines: string[] = [];
  const answer = errorResponse(new TypeError("Cannot read properties of undefined (reading 'files')"), contextLogging(lines));
  expect(answer.status).toBe(500);
  expect(answer.jsonBody).toEqual({ detail: 'internal error; the airlock logged the cause' });
  expect(lines.join('\n')).toContain("reading 'files'");
});
