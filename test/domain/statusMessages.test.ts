import { REQUEST_STATUSES } from '../../src/domain/status';
import { MAX_REASON_LENGTH, messagesFor, STATUSES_WITH_STATUS_MESSAGE, userFacingReason } from '../../src/domain/statusMessages';

describe('messagesFor', () => {
  test('a failure or a block is said in the status message, which TRE\'s portal shows as an error', () => {
    expect([...STATUSES_WITH_STATUS_MESSAGE].sort()).toEqual(['blocked_by_scan', 'blocking_in_progress', 'failed']);
    expect(messagesFor('failed', 'the airlock stopped')).toEqual({ statusMessage: 'the airlock stopped' });
    expect(messagesFor('blocking_in_progress', 'a.csv: Eicar')).toEqual({ statusMessage: 'a.csv: Eicar' });
    expect(messagesFor('blocked_by_scan', 'a.csv: Eicar')).toEqual({ statusMessage: 'a.csv: Eicar' });
  });

  test('every other status, decisions included, says it in the progress message', () => {
    const others = REQUEST_STATUSES.filter((status) => !STATUSES_WITH_STATUS_MESSAGE.includes(status));
    expect(others).toEqual(expect.arrayContaining(['in_review', 'rejected', 'revoked', 'changes_requested', 'cancelled']));
    for (const status of others) expect([status, messagesFor(status, 'why')]).toEqual([status, { progressMessage: 'why' }]);
  });

  test('no message, or an empty one, is no message', () => {
    expect(messagesFor('failed', undefined)).toEqual({});
    expect(messagesFor('in_review', '')).toEqual({});
  });
});

describe('userFacingReason', () => {
  test('an error that crossed the Durable boundary keeps its first line, without the activity prefix or the stack', () => {
    const crossed = new Error(
      "Activity function 'moveFiles' failed: stage storage stalimiplocal unreachable: ECONNREFUSED \n Error: stage storage stalimiplocal unreachable\n    at BlobStageStorage.guard (/work/main/dist/src/infra/blobStageStorage.js:312:19)",
    );
    expect(userFacingReason(crossed)).toBe('stage storage stalimiplocal unreachable: ECONNREFUSED');
  });

  test('absolute paths are replaced, whatever the platform', () => {
    expect(userFacingReason(new Error("ENOENT: no such file or directory, open '/home/airlock/.airlock/mail/x.eml'"))).toBe(
      "ENOENT: no such file or directory, open '<path>'",
    );
    expect(userFacingReason(new Error('cannot read C:\\Users\\svc\\app\\dist\\x.js'))).toBe('cannot read <path>');
  });

  test('a long reason is cut to a readable length', () => {
    const reason = userFacingReason(new Error('x'.repeat(5_000)));
    expect(reason).toHaveLength(MAX_REASON_LENGTH);
    expect(reason.endsWith('…')).toBe(true);
  });

  test('anything that is not an Error, or says nothing, still gives words', () => {
    expect(userFacingReason('plain words')).toBe('plain words');
    expect(userFacingReason(new Error(''))).toBe('an internal error');
  });
});
