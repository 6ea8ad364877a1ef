import { errorText } from '../../src/domain/errorText';

describe('errorText: what a log line or a reason says about anything thrown', () => {
  test('an Error says its message, without its name or stack', () => {
    expect(errorText(new TypeError('the blob has no body'))).toBe('the blob has no body');
  });

  test('a thrown string is said as it is', () => {
    expect(errorText('clamd closed the connection')).toBe('clamd closed the connection');
  });

  test('a thrown value that is not an Error still says something', () => {
    expect(errorText(undefined)).toBe('undefined');
    expect(errorText(404)).toBe('404');
  });
});
