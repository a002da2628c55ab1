/**
 * A one-line progress bar on stderr for long work (reading, fitting, evaluating). Drawn only on an interactive
 * terminal and without --quiet, so piped output and --json stay clean; redraws at most ~10 times a second.
 */
import type { Progress } from '../models/progress.ts';
import type { ProcessIO } from '../runtime/process.ts';

export class ProgressBar {
  private last = 0;
  private drawn = false;

  constructor(
    private readonly io: Pick<ProcessIO, 'stderr' | 'columns'>,
    readonly enabled: boolean,
    /** The clock the redraw throttle reads (tests pass a fake one, so they never depend on machine speed). */
    private readonly now: () => number = Date.now,
  ) {}

  /** For `onProgress` options: `onProgress: bar.callback('fit')`. */
  callback(label: string): (p: Progress) => void {
    return (p) => this.update(label, p);
  }

  update(label: string, p: Progress): void {
    if (!this.enabled) return;
    const now = this.now();
    const finished = p.total > 0 && p.done >= p.total;
    if (!finished && now - this.last < 100) return;
    this.last = now;
    const frac = p.total > 0 ? Math.min(1, Math.max(0, p.done / p.total)) : 0;
    const info = p.info ? ' ' + Object.entries(p.info).map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toPrecision(4)}`).join(' ') : '';
    let line: string;
    if (p.total > 0) {
      const text = `${label}: ${p.phase} ${p.done}/${p.total}${info}`;
      const barWidth = Math.max(10, Math.min(30, this.io.columns - text.length - 10));
      const filled = Math.round(frac * barWidth);
      line = `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}] ${String(Math.round(frac * 100)).padStart(3)}% ${text}`;
    } else {
      // Unknown total (e.g. a stream of unknown length): a counter instead of a bar.
      line = `${label}: ${p.phase} ${p.done.toLocaleString('en-US')}${info}`;
    }
    void this.io.stderr(`\r${line.slice(0, this.io.columns - 1)}\x1b[K`);
    this.drawn = true;
  }

  /** Erase the bar (before printing results). */
  async clear(): Promise<void> {
    if (this.enabled && this.drawn) await this.io.stderr('\r\x1b[K');
    this.drawn = false;
  }
}
