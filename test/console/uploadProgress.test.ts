import { progressOf, progressText, totalProgress } from '../../console/src/upload/progress';

describe('upload progress', () => {
  it('sums bytes over the files that will be uploaded', () => {
    const total = totalProgress([
      { size: 100, sent: 50, counts: true },
      { size: 300, sent: 300, counts: true },
      { size: 1000, sent: 0, counts: false },
    ]);
    expect(total).toEqual({ sent: 350, total: 400, percent: 87 });
  });

  it('never reads 100% before every byte is there', () => {
    expect(progressOf(999, 1000).percent).toBe(99);
    expect(progressOf(1000, 1000).percent).toBe(100);
  });

  it('counts a file no further than its size, and an empty batch as done', () => {
    expect(totalProgress([{ size: 10, sent: 25, counts: true }])).toEqual({ sent: 10, total: 10, percent: 100 });
    expect(progressOf(0, 0)).toEqual({ sent: 0, total: 0, percent: 100 });
  });

  it('says the progress in bytes and percent for screen readers', () => {
    expect(progressText(progressOf(8 * 1024 * 1024, 20 * 1024 * 1024))).toBe('8 MiB of 20 MiB (40%)');
  });
});
