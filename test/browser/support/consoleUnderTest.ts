/**
 * The console as a person meets it: the built local host (`node dist/src/local/main.js`, started on
 * free ports with a data directory of its own, test/support/localHostProcess.ts) serving the built
 * console at `/api/console/`, and a headless Chromium with one browser context per person, so two
 * people (a researcher and a manager) can be signed in side by side.
 *
 * Signing in goes through the console's own sign-in form (`signIn`), or, where a test is about
 * something else, straight through `POST /local/dev-sign-in` with the answer put where the console
 * keeps it (`signInDirectly`): sessionStorage, key `airlock.session`, the answer's JSON as it is
 * (`{ user, core, workspaces }`); the console reads its session from there (console/src/auth/localSession.ts).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { CoreRole, WorkspaceRole } from '../../../src/domain/roles';
import { AirlockClient } from '../../support/airlockClient';
import { LocalHostProcess, startLocalHostProcess } from '../../support/localHostProcess';
import { launchChromium } from './chromium';
import type { DevSession } from '../../../src/local/devSignIn';

const REPO_ROOT = join(__dirname, '..', '..', '..');
/** Where the console keeps the development sign-in's answer (console/src/auth/localSession.ts). */
export const SESSION_STORAGE_KEY = 'airlock.session';
/** A laptop's screen: the console must be usable there. */
const LAPTOP_VIEWPORT = { width: 1366, height: 768 };

export interface Person {
  user: string;
  name?: string;
  email?: string;
  /** workspace id → the roles held there */
  workspaces: Record<string, WorkspaceRole[]>;
  /** default TREUser, as the sign-in form sends */
  coreRoles?: CoreRole[];
}

/** `POST /local/dev-sign-in`'s answer, which the console keeps as its session. */
export type { DevSession };

export interface ConsoleUnderTest {
  host: LocalHostProcess;
  /** e.g. http://127.0.0.1:41234 */
  origin: string;
  apiUrl: string;
  /** `${origin}/api/console/` */
  consoleUrl: string;
  api: AirlockClient;
  browser: Browser;
  /** A page in a browser context of its own (its own session storage: one person), at no address yet. */
  newPage(): Promise<Page>;
  /** Closes every context and the browser, then stops the host (and fails if it does not stop cleanly). */
  close(): Promise<void>;
}

/** What the functions evaluated in the page use of it (this project compiles without the DOM's types). */
interface PageGlobals {
  sessionStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void };
}

/** The console each page belongs to, so `signIn(page, ...)` knows where to go. */
const consoleOfPage = new WeakMap<Page, string>();

/**
 * Starts the host and the browser. Needs `npm run -s build` first: the host runs from dist/, and the
 * console it serves is dist/console/.
 */
export async function startConsoleUnderTest(options: { workspaces?: string[]; env?: Record<string, string> } = {}): Promise<ConsoleUnderTest> {
  for (const built of ['dist/src/local/main.js', 'dist/console/index.html']) {
    if (!existsSync(join(REPO_ROOT, built))) throw new Error(`${built} is missing: run npm run -s build before the browser tests`);
  }
  // The host and the browser start side by side: neither needs the other until a page opens.
  const [started, launched] = await Promise.allSettled([
    startLocalHostProcess({
      env: { ...options.env, ...(options.workspaces ? { AIRLOCK_LOCAL_WORKSPACES: options.workspaces.join(',') } : {}) },
    }),
    launchChromium(),
  ]);
  if (started.status === 'rejected' || launched.status === 'rejected') {
    if (started.status === 'fulfilled') await started.value.stop();
    if (launched.status === 'fulfilled') await launched.value.close().catch(() => undefined);
    throw started.status === 'rejected' ? started.reason : (launched as PromiseRejectedResult).reason;
  }
  const host = started.value;
  const browser: Browser = launched.value;
  const origin = new URL(host.apiUrl).origin;
  const consoleUrl = `${origin}/api/console/`;
  const contexts: BrowserContext[] = [];
  return {
    host,
    origin,
    apiUrl: host.apiUrl,
    consoleUrl,
    api: new AirlockClient(host.apiUrl),
    browser,
    async newPage() {
      const context = await browser.newContext({ viewport: LAPTOP_VIEWPORT });
      contexts.push(context);
      const page = await context.newPage();
      consoleOfPage.set(page, consoleUrl);
      return page;
    },
    async close() {
      // The browser and the host go down side by side; the host's exit code still decides.
      const [exitCode] = await Promise.all([
        host.stop(),
        (async () => {
          await Promise.all(contexts.map((context) => context.close().catch(() => undefined)));
          await browser.close().catch(() => undefined);
        })(),
      ]);
      if (exitCode !== 0) throw new Error(`the local host exited with ${exitCode} when stopped:\n${host.output()}`);
    },
  };
}

function consoleUrlOf(page: Page): string {
  const url = consoleOfPage.get(page);
  if (!url) throw new Error('this page was not opened with ConsoleUnderTest.newPage(), so its console is unknown');
  return url;
}

/** The words on the sign-in form's role checkboxes (console/src/auth/LocalSignInForm.tsx). */
const ROLE_WORDS: Record<WorkspaceRole, string> = {
  WorkspaceResearcher: 'Workspace Researcher',
  WorkspaceOwner: 'Workspace Owner',
  AirlockManager: 'Airlock Manager',
};

/**
 * Signs in as a person would: opens the console, fills its sign-in form (user id, name, email, a role
 * checkbox per workspace and role) and submits it; resolves with the session the console then keeps.
 * The form always asks for TREUser and at least one workspace role: anyone else signs in directly.
 */
export async function signIn(page: Page, person: Person): Promise<DevSession> {
  const coreRoles = person.coreRoles ?? ['TREUser'];
  const formCanSay = Object.values(person.workspaces).some((roles) => roles.length > 0) && coreRoles.length === 1 && coreRoles[0] === 'TREUser';
  if (!formCanSay) return signInDirectly(page, person);
  await page.goto(consoleUrlOf(page));
  await page.getByLabel('User id').fill(person.user);
  if (person.name) await page.getByLabel('Display name').fill(person.name);
  if (person.email) await page.getByLabel('Email').fill(person.email);
  for (const [workspaceId, roles] of Object.entries(person.workspaces)) {
    const group = page.getByRole('group', { name: `Roles in workspace ${workspaceId}` });
    for (const role of roles) await group.getByRole('checkbox', { name: ROLE_WORDS[role] }).check();
  }
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForFunction((key) => (globalThis as unknown as PageGlobals).sessionStorage.getItem(key) !== null, SESSION_STORAGE_KEY);
  return storedSession(page);
}

/**
 * Signs in without the form: the development sign-in's answer, put where the console reads its
 * session, then the console loaded, at `path` under it (its home by default: e.g. `review`).
 */
export async function signInDirectly(page: Page, person: Person, path = ''): Promise<DevSession> {
  const consoleUrl = consoleUrlOf(page);
  const session = await devSignIn(new URL(consoleUrl).origin, person);
  // The session belongs to the console's origin: the page must be there to store it. Its smallest
  // document there (config.json) will do, so the console loads once, and signed in.
  await page.goto(`${consoleUrl}config.json`);
  await page.evaluate(({ key, value }) => (globalThis as unknown as PageGlobals).sessionStorage.setItem(key, value), { key: SESSION_STORAGE_KEY, value: JSON.stringify(session) });
  await page.goto(`${consoleUrl}${path}`);
  return session;
}

/** The session the console keeps in this page's sessionStorage, or undefined when no one is signed in. */
export async function storedSession(page: Page): Promise<DevSession> {
  const text = await page.evaluate((key) => (globalThis as unknown as PageGlobals).sessionStorage.getItem(key), SESSION_STORAGE_KEY);
  if (text === null) throw new Error(`no one is signed in on ${page.url()} (sessionStorage has no ${SESSION_STORAGE_KEY})`);
  return JSON.parse(text) as DevSession;
}

/** `POST /local/dev-sign-in` from the test itself: tokens for API calls made around the browser. */
export async function devSignIn(origin: string, person: Person): Promise<DevSession> {
  const response = await fetch(`${origin}/local/dev-sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...person, coreRoles: person.coreRoles ?? ['TREUser'] }),
  });
  const body = (await response.json()) as DevSession & { detail?: string };
  if (response.status !== 200) throw new Error(`POST /local/dev-sign-in answered ${response.status}: ${body.detail}`);
  return body;
}
