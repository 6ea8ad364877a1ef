/**
 * One printed result of the suite: what we measured, the baseline measured in the same run, their
 * ratio, and issue #13's target with whether it was met. Printed as a Markdown table, so the same
 * output reads in a terminal and pastes into docs/performance.md.
 */

export type Unit = 's' | 'ms' | 'MiB' | 'lifecycles/s' | 'requests';

export interface Quantity {
  value: number;
  unit: Unit;
}

/** A target from issue #13; `none` when the issue states none for this figure. */
export type Target =
  | { kind: 'ratio-at-most'; ratio: number }
  | { kind: 'at-most'; value: number; unit: Unit }
  | { kind: 'at-least'; value: number; unit: Unit }
  | { kind: 'none' };

export interface Figure {
  figure: string;
  ours?: Quantity;
  baseline?: Quantity & { label: string };
  target: Target;
  /** What else the reader needs to judge the figure: how it was measured, or why it was not. */
  note?: string;
  /** Set when the figure could not be measured; it then fails whatever its target. */
  error?: string;
}

export function ratioOf(figure: Figure): number | undefined {
  if (!figure.ours || !figure.baseline || figure.baseline.value <= 0) return undefined;
  return figure.ours.value / figure.baseline.value;
}

/** true: met; false: missed (or not measured); undefined: the issue sets no target. */
export function verdictOf(figure: Figure): boolean | undefined {
  if (figure.error || !figure.ours) return false;
  const target = figure.target;
  switch (target.kind) {
    case 'none':
      return undefined;
    case 'ratio-at-most': {
      const ratio = ratioOf(figure);
      return ratio !== undefined && ratio <= target.ratio;
    }
    case 'at-most':
      return figure.ours.value <= target.value;
    case 'at-least':
      return figure.ours.value >= target.value;
  }
}

export function formatQuantity({ value, unit }: Quantity): string {
  if (!Number.isFinite(value)) return String(value);
  switch (unit) {
    case 's':
      return `${value < 0.1 ? value.toFixed(3) : value.toFixed(2)} s`;
    case 'ms':
      return `${value.toFixed(1)} ms`;
    case 'MiB':
      return `${value < 10 ? value.toFixed(1) : value.toFixed(0)} MiB`;
    case 'lifecycles/s':
      return `${value.toFixed(2)} lifecycles/s`;
    case 'requests':
      return `${value.toFixed(0)}`;
  }
}

function formatRatio(ratio: number | undefined): string {
  if (ratio === undefined) return '—';
  return ratio >= 100 ? `${ratio.toFixed(0)}×` : `${ratio.toFixed(2)}×`;
}

function formatTarget(target: Target): string {
  switch (target.kind) {
    case 'none':
      return 'none in #13';
    case 'ratio-at-most':
      return `≤ ${target.ratio}×`;
    case 'at-most':
      return `≤ ${formatQuantity(target)}`;
    case 'at-least':
      return `≥ ${formatQuantity(target)}`;
  }
}

function formatVerdict(figure: Figure): string {
  const verdict = verdictOf(figure);
  if (figure.error) return '**not measured**';
  return verdict === undefined ? '—' : verdict ? 'pass' : '**FAIL**';
}

/** Markdown cells must not contain a bare pipe or a line break. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

export function figuresTable(figures: readonly Figure[]): string {
  const header = ['figure', 'ours', 'baseline', 'ratio', 'target', 'result'];
  const rows = figures.map((figure) => [
    figure.figure,
    figure.error ? `error: ${figure.error}` : figure.ours ? formatQuantity(figure.ours) : '—',
    figure.baseline ? `${formatQuantity(figure.baseline)} (${figure.baseline.label})` : '—',
    formatRatio(ratioOf(figure)),
    formatTarget(figure.target),
    formatVerdict(figure),
  ]);
  const lines = [header, header.map(() => '---'), ...rows].map((row) => `| ${row.map(cell).join(' | ')} |`);
  const notes = figures.filter((figure) => figure.note).map((figure) => `- ${figure.figure}: ${cell(figure.note!)}`);
  return [...lines, ...(notes.length ? ['', ...notes] : [])].join('\n');
}

/** A phase that stopped: its figures so far stay, and this row says where and why it stopped. */
export function phaseFailure(phase: string, error: unknown): Figure {
  const message = error instanceof Error ? error.message : String(error);
  const firstLine = message.split('\n')[0];
  return { figure: phase, target: { kind: 'none' }, error: firstLine.length > 300 ? `${firstLine.slice(0, 300)}…` : firstLine };
}
