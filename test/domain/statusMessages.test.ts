import { MAX_REASON_LENGTH, userFacingReason } from '../../src/domain/statusMessages';

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
