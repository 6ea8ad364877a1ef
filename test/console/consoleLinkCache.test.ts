import { cachedLink } from '../../console/src/storage/linkCache';

const linkExpiring = (iso: string, n: number) => `http://storage/c?se=${encodeURIComponent(iso)}&sig=${n}`;

describe("a request's container link, shared by its uploads", () => {
  it('asks the API once while the link is valid, even for calls made at the same time', async () => {
    let asked = 0;
    const now = Date.UTC(2030, 0, 1, 10, 0, 0);
    const link = cachedLink(async () => linkExpiring('2030-01-01T11:00:00Z', ++asked), () => now);
    const [a, b] = await Promise.all([link.get(), link.get()]);
    expect(await link.get()).toBe(a);
    expect(b).toBe(a);
    expect(asked).toBe(1);
  });

  it('asks again within five minutes of expiry, so no block outlives its link', async () => {
    let asked = 0;
    let now = Date.UTC(2030, 0, 1, 10, 0, 0);
    const link = cachedLink(async () => linkExpiring('2030-01-01T11:00:00Z', ++asked), () => now);
    await link.get();
    now = Date.UTC(2030, 0, 1, 10, 54, 0);
    await link.get();
    expect(asked).toBe(1);
    now = Date.UTC(2030, 0, 1, 10, 56, 0);
    expect(await link.get()).toContain('sig=2');
  });

  it('asks again after renew() (a refused link) and after a failed answer', async () => {
    let asked = 0;
    const answers = [() => Promise.reject(new Error('being moved')), async () => linkExpiring('2099-01-01T00:00:00Z', ++asked)];
    let call = 0;
    const link = cachedLink(() => answers[Math.min(call++, 1)]());
    await expect(link.get()).rejects.toThrow('being moved');
    expect(await link.get()).toContain('sig=1');
    link.renew();
    expect(await link.get()).toContain('sig=2');
  });
});
