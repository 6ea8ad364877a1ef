/**
 * Both jobs done in the browser, as people would do them, against the built local host: a
 * researcher uploads three files (one large enough to show progress) and submits; a manager previews
 * a CSV and an image and asks for changes; the researcher replaces a file and resubmits; the manager
 * sees what changed, cell by cell, and approves; a second manager's approval completes the quorum;
 * the researcher downloads the file and the bytes are the ones uploaded. Around it: a blocked
 * request says why, another workspace's manager sees nothing, the previews are in the audit view,
 * and axe finds nothing serious on any page on the way.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { seriousAccessibilityViolations } from './support/accessibility';
import { describeInBrowser } from './support/chromium';
import { ConsoleUnderTest, devSignIn, Person, signIn, signInDirectly, startConsoleUnderTest } from './support/consoleUnderTest';
import { screenshot } from './support/screenshots';

const WS = 'demo';
const rita: Person = { user: 'rita', name: 'Rita Researcher', email: 'rita@example.org', workspaces: { [WS]: ['WorkspaceResearcher'] } };
const mona: Person = { user: 'mona', name: 'Mona Manager', workspaces: { [WS]: ['AirlockManager'] } };
const mark: Person = { user: 'mark', name: 'Mark Manager', workspaces: { [WS]: ['AirlockManager'] } };
const walt: Person = { user: 'walt', name: 'Walt Elsewhere', workspaces: { ws02: ['AirlockManager'] } };
const ada: Person = { user: 'ada', name: 'Ada Admin', workspaces: {}, coreRoles: ['TREAdmin'] };

const TITLE = 'Mortality by region, 2025';
const COHORT_V1 = 'region,deaths,population\nNorth,12,40100\nSouth,9,38800\nEast,15,51200\n';
const COHORT_V2 = 'region,deaths,population\nNorth,12,40100\nSouth,10,38800\nEast,15,51200\n';
/** A PNG of one red pixel. */
const CHART_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg==',
  'base64',
);
/** Three 8 MiB blocks and a bit: enough for the progress bar to move. */
const NOTES = Buffer.from(Array.from({ length: 420_000 }, (_, line) => `note ${line}: counts below ten are suppressed\n`).join(''));

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

describeInBrowser('a request from upload to download, in the console', () => {
  let airlock: ConsoleUnderTest;
  let files: string;
  let researcher: Page;
  /** The managers' tabs: each signs in through the form once, side by side with the researcher, and keeps the tab between reviews. */
  let monas: Page;
  let marks: Page;
  let requestUrl: string;
  let requestId: string;

  const at = (name: string, content: Buffer | string) => {
    const path = join(files, name);
    writeFileSync(path, content);
    return path;
  };

  async function expectAccessible(page: Page, where: string): Promise<void> {
    expect({ where, violations: await seriousAccessibilityViolations(page) }).toEqual({ where, violations: [] });
  }

  async function pageFor(person: Person): Promise<Page> {
    const page = await airlock.newPage();
    await signIn(page, person);
    return page;
  }

  async function openReview(page: Page): Promise<void> {
    await page.goto(`${airlock.consoleUrl}review/${WS}/${requestId}`);
    await page.getByRole('heading', { level: 1, name: TITLE }).waitFor();
  }

  async function review(page: Page, decision: 'Approve' | 'Request changes', explanation: string): Promise<void> {
    const form = page.getByRole('form', { name: 'Review' });
    await form.getByRole('radio', { name: decision }).check();
    await form.getByLabel(/^Explanation/).fill(explanation);
    await form.getByRole('button', { name: 'Submit review' }).click();
  }

  async function upload(page: Page, paths: string[]): Promise<void> {
    await page.getByLabel('Files to upload').setInputFiles(paths);
  }

  /** Waits for a file's upload to be done (its own progress bar says so). */
  async function uploaded(page: Page, name: string): Promise<void> {
    await page.getByRole('progressbar', { name: `Upload of ${name}` }).and(page.locator('[aria-valuenow="100"]')).waitFor({ timeout: 60_000 });
  }

  beforeAll(async () => {
    files = mkdtempSync(join(tmpdir(), 'airlock-console-files-'));
    airlock = await startConsoleUnderTest({ workspaces: ['ws02'] });
    // Two approvals, so the page shows how many remain after the first; set while the three people sign in.
    const twoApprovals = (async () => {
      const admin = await devSignIn(airlock.origin, ada);
      const settings = await fetch(`${airlock.apiUrl}/workspaces/${WS}/airlock-settings`, { headers: { authorization: `Bearer ${admin.core.accessToken}` } });
      const current = ((await settings.json()) as { workspace: { airlock: Record<string, unknown> } }).workspace.airlock;
      return fetch(`${airlock.apiUrl}/workspaces/${WS}/airlock-settings`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${admin.core.accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ...current, requiredApprovals: 2 }),
      });
    })();
    [researcher, monas, marks] = await Promise.all([pageFor(rita), pageFor(mona), pageFor(mark), twoApprovals.then((put) => expect(put.status).toBe(200))]);
  }, 120_000);

  afterAll(async () => {
    await airlock?.close();
    rmSync(files, { recursive: true, force: true });
  }, 60_000);

  test('the researcher creates an export and uploads three files, one large enough to show its progress', async () => {
    await researcher.getByRole('heading', { name: 'My requests' }).waitFor();
    await expectAccessible(researcher, 'my requests');
    await researcher.getByRole('button', { name: 'New request' }).click();
    const dialog = researcher.getByRole('dialog', { name: 'New request' });
    await dialog.getByRole('radio', { name: /^Export/ }).check();
    await dialog.getByLabel('Title').fill(TITLE);
    await dialog.getByLabel('Business justification').fill('Aggregate counts for the regional mortality paper');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await researcher.waitForURL(/\/api\/console\/requests\/demo\//);
    requestUrl = researcher.url();
    requestId = decodeURIComponent(requestUrl.split('/').pop()!);

    // Every value the large file's progress bar takes, recorded in the page as it changes (a page script: the tests have no DOM types).
    await researcher.evaluate(`(() => {
      const seen = (window.notesProgress = []);
      new MutationObserver(() => {
        const now = document.querySelector('[role="progressbar"][aria-label="Upload of notes.txt"]')?.getAttribute('aria-valuenow');
        if (now !== null && now !== undefined && seen.at(-1) !== Number(now)) seen.push(Number(now));
      }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['aria-valuenow'] });
    })()`);
    await upload(researcher, [at('cohort.csv', COHORT_V1), at('chart.png', CHART_PNG), at('notes.txt', NOTES)]);
    const total = researcher.getByRole('progressbar').first();
    await total.waitFor();
    for (const name of ['cohort.csv', 'chart.png', 'notes.txt']) await uploaded(researcher, name);
    // Seen part-way: the large file's progress was reported before it was done.
    const notesProgress = (await researcher.evaluate('window.notesProgress')) as number[];
    expect(notesProgress.filter((percent) => percent > 0 && percent < 100)).not.toEqual([]);
    expect(notesProgress.at(-1)).toBe(100);
    const draft = researcher.getByRole('table', { name: 'Files in the draft' });
    for (const name of ['cohort.csv', 'chart.png', 'notes.txt']) await draft.getByRole('cell', { name, exact: true }).waitFor();
    await expectAccessible(researcher, 'a draft with its uploads');
    await screenshot(researcher, 'console-upload');

    await researcher.getByRole('button', { name: 'Submit', exact: true }).click();
    await expect(statusIs(researcher, 'in review')).resolves.toBeUndefined();
  }, 120_000);

  test('a manager previews the CSV as a table and the image, and asks for changes', async () => {
    const manager = monas;
    await manager.getByRole('link', { name: 'Review' }).first().click();
    await manager.getByRole('link', { name: TITLE }).click();
    await manager.getByRole('heading', { level: 1, name: TITLE }).waitFor();

    await manager.getByRole('button', { name: 'Preview cohort.csv' }).click();
    const table = manager.getByRole('region', { name: 'Table preview of cohort.csv' });
    await table.getByRole('cell', { name: 'South' }).waitFor();
    await expect(table.getByRole('columnheader', { name: 'population' }).count()).resolves.toBe(1);
    await manager.getByRole('button', { name: 'Preview chart.png' }).click();
    const image = manager.getByRole('img', { name: /chart\.png/ });
    await image.waitFor();
    await expect(image.evaluate((element) => (element as unknown as { naturalWidth: number }).naturalWidth)).resolves.toBe(1);
    await expectAccessible(manager, 'the review page with two previews');
    await screenshot(manager, 'console-review-preview');

    await review(manager, 'Request changes', 'Round the South deaths to the published figure');
    await expect(statusIs(manager, 'changes requested')).resolves.toBeUndefined();
  }, 120_000);

  test('the researcher reads what to change, replaces the CSV and resubmits', async () => {
    await researcher.goto(requestUrl);
    await researcher.getByText('Round the South deaths to the published figure').first().waitFor();
    await upload(researcher, [at('cohort.csv', COHORT_V2)]);
    await uploaded(researcher, 'cohort.csv');
    await researcher.getByRole('button', { name: 'Resubmit' }).click();
    await expect(statusIs(researcher, 'in review')).resolves.toBeUndefined();
  }, 120_000);

  test('the manager sees what changed since the reviewed cycle, cell by cell, and approves; one approval of two', async () => {
    const manager = monas;
    await openReview(manager);
    const changes = manager.getByRole('region', { name: 'Changes since cycle 1' }).or(manager.locator('section', { has: manager.getByRole('heading', { name: 'Changes since cycle 1' }) }));
    await changes.first().getByText('cohort.csv').first().waitFor();
    await manager.getByRole('button', { name: 'Show differences in cohort.csv' }).click();
    const cells = manager.getByRole('region', { name: 'Cell differences in cohort.csv' });
    await cells.getByText('10').first().waitFor();
    await expect(cells.textContent()).resolves.toContain('9');
    await expectAccessible(manager, 'the review page with a diff');
    await screenshot(manager, 'console-review-changes');

    await review(manager, 'Approve', 'Counts are aggregated and above the threshold');
    await manager.getByText(/1 more approval/).first().waitFor();
  }, 120_000);

  test('a second manager approves, and the request is approved', async () => {
    const second = marks;
    await openReview(second);
    await review(second, 'Approve', 'Agreed');
    await expect(statusIs(second, 'approved')).resolves.toBeUndefined();
    await second.close();
  }, 120_000);

  test('the researcher downloads the approved file, and its bytes are the ones uploaded', async () => {
    await researcher.goto(requestUrl);
    await expect(statusIs(researcher, 'approved')).resolves.toBeUndefined();
    const [download] = await Promise.all([researcher.waitForEvent('download'), researcher.getByRole('link', { name: 'Download cohort.csv' }).click()]);
    const saved = await download.path();
    expect(sha256(readFileSync(saved))).toBe(sha256(COHORT_V2));
    await expectAccessible(researcher, 'an approved request');
    await screenshot(researcher, 'console-approved');
  }, 120_000);

  test('every preview is in the audit view, with the chain verified', async () => {
    const manager = monas;
    await manager.goto(`${airlock.consoleUrl}audit/${WS}/${requestId}`);
    await manager.getByText(/verified/i).first().waitFor();
    await manager.getByText(/Mona Manager previewed cohort\.csv/).first().waitFor();
    await manager.getByText(/Mona Manager previewed chart\.png/).first().waitFor();
    await expectAccessible(manager, 'the audit view');
    await screenshot(manager, 'console-audit');
  }, 120_000);

  test("a manager of another workspace sees nothing of this workspace's requests", async () => {
    const elsewhere = await airlock.newPage();
    await signInDirectly(elsewhere, walt, 'review');
    await elsewhere.getByRole('heading', { level: 1 }).first().waitFor();
    await elsewhere.getByRole('radio', { name: 'All requests' }).check();
    await elsewhere.getByText('No requests in the workspaces you manage match these filters.').waitFor();
    await expect(elsewhere.getByText(TITLE).count()).resolves.toBe(0);
    await elsewhere.goto(`${airlock.consoleUrl}review/${WS}/${requestId}`);
    await elsewhere.getByText('Cannot open this request').waitFor();
    await expect(elsewhere.getByText(TITLE).count()).resolves.toBe(0);
    await elsewhere.close();
  }, 60_000);

  test('a request blocked by the content checks says why', async () => {
    await researcher.goto(airlock.consoleUrl);
    await researcher.getByRole('button', { name: 'New request' }).click();
    const dialog = researcher.getByRole('dialog', { name: 'New request' });
    await dialog.getByRole('radio', { name: /^Export/ }).check();
    await dialog.getByLabel('Title').fill('Model weights');
    await dialog.getByLabel('Business justification').fill('Trained model for the paper');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await researcher.waitForURL(/\/api\/console\/requests\/demo\//);
    await upload(researcher, [at('weights.bin', randomBytes(4096))]);
    await uploaded(researcher, 'weights.bin');
    await researcher.getByRole('button', { name: 'Submit', exact: true }).click();
    await expect(statusIs(researcher, 'blocked by scan')).resolves.toBeUndefined();
    await researcher.getByText(/weights\.bin/).first().waitFor();
    await expect(researcher.locator('main').textContent()).resolves.toMatch(/not allowed|allow-list|type/i);
    await expectAccessible(researcher, 'a blocked request');
    await screenshot(researcher, 'console-blocked');
  }, 120_000);
});

/**
 * Resolves once the page's status, read from the lifecycle diagram's text alternative ("Status: in
 * review (step 3 of 4). Export request lifecycle: draft, submitted, in review, approved."), is
 * `words` (plain words: "in review", "approved"): only the label's start counts, as the rest names
 * every step whatever the status. Fails saying what the label said last.
 */
async function statusIs(page: Page, words: string, timeoutMs = 60_000): Promise<void> {
  try {
    await page.getByRole('img', { name: new RegExp(`^Status: ${words} \\(`) }).first().waitFor({ timeout: timeoutMs });
  } catch (error) {
    const lastSeen = await page.getByRole('img', { name: /^Status: / }).first().getAttribute('aria-label', { timeout: 1_000 }).catch(() => 'nothing');
    throw new Error(`waited ${timeoutMs} ms for the status to be ${words}; last seen: ${lastSeen}`, { cause: error });
  }
}
