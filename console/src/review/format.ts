/** How sizes, hashes and times read on the manager's pages. Pure, so the wording is tested once. */

const UNITS = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 1536 → "1.5 KiB"; exact bytes below 1 KiB; unknown → "size unknown". */
export function formatBytes(bytes: number | undefined | null): string {
  if (typeof bytes !== 'number' || !Number.isFinite(bytes) || bytes < 0) return 'size unknown';
  if (bytes < 1024) return bytes === 1 ? '1 byte' : `${bytes} bytes`;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value >= 100 ? Math.round(value) : Number(value.toFixed(1))} ${UNITS[unit]}`;
}

/** The first 8 hex digits and an ellipsis: enough for a person to tell two versions apart. */
export function shortHash(sha256: string | undefined | null): string {
  if (!sha256) return 'no hash recorded';
  return sha256.length > 8 ? `${sha256.slice(0, 8)}…` : sha256;
}

/** Epoch seconds as a local date and time, e.g. "7 Dec 2025, 10:04". */
export function formatWhen(epochSeconds: number, timeZone?: string): string {
  return new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(new Date(epochSeconds * 1000));
}

/** Epoch seconds as the time of day, e.g. "10:04". */
export function formatTime(epochSeconds: number, timeZone?: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeStyle: 'short', timeZone }).format(new Date(epochSeconds * 1000));
}

/** "1 file", "3 files". */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
