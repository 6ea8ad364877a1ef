/**
 * axe-core in the page: what a screen-reader or keyboard user would trip over, by its impact. The
 * tests allow none that is serious or critical.
 */
import axe from 'axe-core';
import type { Page } from 'playwright-core';

export interface AccessibilityViolation {
  rule: string;
  impact: string;
  help: string;
  /** CSS selectors of the offending elements */
  targets: string[];
}

/**
 * Runs axe-core over the page (or the parts `include` names) and returns its serious and critical
 * violations. axe is evaluated in the page through the DevTools protocol, which the console's
 * Content-Security-Policy (script-src 'self') does not govern, so the page keeps its real policy.
 */
export async function seriousAccessibilityViolations(page: Page, options: { include?: string[]; exclude?: string[] } = {}): Promise<AccessibilityViolation[]> {
  // Fluent UI's focus guards (tabster's hidden <i tabindex=0>) are a known false positive of axe's
  // aria-hidden-focus rule (microsoft/tabster#288): they hand focus on and are never a stop of their own.
  options = { ...options, exclude: [...(options.exclude ?? []), '[data-tabster-dummy]'] };
  // axe's source (half a megabyte) is evaluated once per document: a page that only navigated within the console still has it.
  const loaded = await page.evaluate(() => typeof (globalThis as unknown as { axe?: { run?: unknown } }).axe?.run === 'function');
  if (!loaded) await page.evaluate(axe.source);
  const violations = await page.evaluate(async ({ include, exclude }) => {
    const engine = (globalThis as unknown as { axe: typeof axe }).axe;
    const context = { include: include ?? [['html']], ...(exclude ? { exclude: exclude.map((selector) => [selector]) } : {}) };
    const results = await engine.run(context as never, { resultTypes: ['violations'] });
    return results.violations.map((violation) => ({
      rule: violation.id,
      impact: violation.impact ?? 'unknown',
      help: violation.help,
      targets: violation.nodes.map((node) => node.target.join(' ')),
    }));
  }, options);
  return violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
}
