/**
 * Debian's Chromium (`apt-get install chromium`), driven by playwright-core: its own browser download
 * cannot reach the internet here. Without /usr/bin/chromium the browser tests are skipped with the
 * reason, on a developer's machine only: in CI (`CI` set) they run, and fail saying what is missing.
 */
import { existsSync } from 'node:fs';
import { Browser, chromium } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Why the browser tests cannot run here, or undefined when they can (or must: in CI). */
export function browserTestsUnavailable(): string | undefined {
  if (existsSync(CHROMIUM_PATH) || process.env.CI) return undefined;
  return `${CHROMIUM_PATH} is missing (apt-get install chromium; .ci/run installs it in CI)`;
}

/** `describe` for tests that drive a browser: skipped, saying why, only when Chromium is missing outside CI. */
export function describeInBrowser(name: string, fn: () => void): void {
  const unavailable = browserTestsUnavailable();
  if (!unavailable) return describe(name, fn);
  console.warn(`browser tests skipped ("${name}"): ${unavailable}`);
  describe.skip(`${name} [skipped: ${unavailable}]`, fn);
}

/**
 * A headless Chromium with a fresh profile of its own (Playwright's temporary user data directory), and
 * nothing that reaches out on its own (updates, sync, QUIC, background networking).
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`${CHROMIUM_PATH} is missing: the browser tests need Debian's Chromium (apt-get install chromium; .ci/run installs it)`);
  }
  const args = ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
  // Chromium's sandbox refuses to start as root (containers, CI); as any other user it stays on.
  if (process.getuid?.() === 0) args.unshift('--no-sandbox');
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args });
}
