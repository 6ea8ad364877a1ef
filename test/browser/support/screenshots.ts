/**
 * The pictures the README shows: taken by the browser tests, so they show the console as it is.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

const DOCS_SCREENSHOTS = join(__dirname, '..', '..', '..', 'docs', 'screenshots');

/**
 * docs/screenshots with `AIRLOCK_SCREENSHOTS=docs` (to refresh the README's pictures), else a folder
 * under the system's temporary directory: a test run leaves the working tree as it found it.
 */
export const SCREENSHOT_DIR = process.env.AIRLOCK_SCREENSHOTS === 'docs' ? DOCS_SCREENSHOTS : join(tmpdir(), 'airlock-screenshots');

/** Writes `<SCREENSHOT_DIR>/<name>.png` (the viewport, or the whole page) and returns its path. */
export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<string> {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) throw new Error(`screenshot name '${name}' must be lower-case letters, digits and '-'`);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  // Animations end where they would for a person who waited; the caret would make every picture differ.
  await page.screenshot({ path, fullPage: options.fullPage ?? false, animations: 'disabled', caret: 'hide' });
  return path;
}
