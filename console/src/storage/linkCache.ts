/**
 * A request's container link (`GET .../link`), asked for once and again only when it is about to
 * expire or was refused: uploads of many files share one link instead of asking per block.
 */
import { linkExpiresAt } from './blobUrls';

/** Ask for a new link this long before the old one expires, so a block in flight never outlives its link. */
const RENEW_BEFORE_MS = 5 * 60 * 1000;

export interface LinkSource {
  /** the container URL with its SAS, renewed when near expiry */
  get(): Promise<string>;
  /** forget the link (it was refused): the next get() asks for a new one */
  renew(): void;
}

export function cachedLink(fetchLink: () => Promise<string>, now: () => number = Date.now): LinkSource {
  let pending: Promise<string> | undefined;
  let expiresAt = 0;
  return {
    get() {
      if (pending && now() < expiresAt - RENEW_BEFORE_MS) return pending;
      const asked = fetchLink();
      pending = asked;
      // Until the answer is in, assume it lasts: concurrent callers share this one request.
      expiresAt = Number.POSITIVE_INFINITY;
      asked.then(
        (url) => {
          if (pending === asked) expiresAt = linkExpiresAt(url) ?? Number.POSITIVE_INFINITY;
        },
        () => {
          if (pending === asked) pending = undefined;
        },
      );
      return asked;
    },
    renew() {
      pending = undefined;
    },
  };
}
