/**
 * Console output of a training run: a progress bar with ETA per epoch (cli-progress) when stdout is a TTY,
 * plain lines otherwise (a line at most every {@link PLAIN_INTERVAL_S} seconds within an epoch, then the
 * epoch summary), nothing at all when quiet.
 */
import cliProgress from 'cli-progress';
import type { EpochRecord } from './types.ts';

/** Seconds between two plain progress lines inside one epoch when stdout is not a TTY. */
export const PLAIN_INTERVAL_S = 10;

const fmt = (v: number | null, digits = 4) => (v === null ? '-' : Number.isFinite(v) ? v.toFixed(digits) : String(v));

function formatDuration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.round(s - 60 * m)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** Progress of one run. */
export class TrainingProgress {
  private bar: cliProgress.SingleBar | null = null;
  private epochStart = 0;
  private lastLine = 0;
  private epoch = 0;
  private batches = 0;
  private readonly tty: boolean;
  /** Seconds of the epochs this process has run (for the whole-run ETA). */
  private epochSeconds: number[] = [];

  constructor(
    private readonly epochs: number,
    private readonly quiet: boolean,
    private readonly out: NodeJS.WriteStream = process.stdout,
  ) {
    this.tty = Boolean(out.isTTY);
  }

  /** Print one line (nothing when quiet). */
  log(line: string): void {
    if (!this.quiet) this.out.write(line + '\n');
  }

  startEpoch(epoch: number, batches: number): void {
    this.epoch = epoch;
    this.batches = batches;
    this.epochStart = this.lastLine = performance.now();
    if (this.quiet || !this.tty) return;
    this.bar = new cliProgress.SingleBar(
      {
        format: `epoch ${epoch}/${this.epochs} [{bar}] {percentage}% | {value}/{total} batches | loss {loss} acc {acc} | ETA {eta_formatted}`,
        stream: this.out,
        barsize: 30,
        hideCursor: null,
        clearOnComplete: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(batches, 0, { loss: '-', acc: '-' });
  }

  /** After batch `batch` (1-based) with the running mean loss and accuracy of the epoch. */
  batch(batch: number, loss: number, acc: number): void {
    if (this.quiet) return;
    if (this.bar) {
      this.bar.update(batch, { loss: fmt(loss), acc: fmt(acc) });
      return;
    }
    const now = performance.now();
    if ((now - this.lastLine) / 1000 >= PLAIN_INTERVAL_S && batch < this.batches) {
      this.lastLine = now;
      const elapsed = (now - this.epochStart) / 1000;
      const eta = (elapsed / batch) * (this.batches - batch);
      this.log(`epoch ${this.epoch}/${this.epochs} batch ${batch}/${this.batches} loss ${fmt(loss)} acc ${fmt(acc)} ETA ${formatDuration(eta)}`);
    }
  }

  /** Stop the bar (if any) without printing the summary (on errors, and before validation). */
  stopBar(): void {
    if (this.bar) {
      this.bar.stop();
      this.bar = null;
    }
  }

  /**
   * The epoch's summary line: losses and accuracies, the learning rate, the epoch's time and, while epochs
   * remain, an estimate of the time left for all of them (mean epoch time of this process × epochs left; early
   * stopping can end the run sooner). `*` marks an epoch that became the best.
   */
  endEpoch(r: EpochRecord, note = ''): void {
    this.stopBar();
    this.epochSeconds.push(r.seconds);
    const val = r.val_loss === null ? '' : `  val_loss ${fmt(r.val_loss)}  val_accuracy ${fmt(r.val_accuracy)}`;
    const left = this.epochs - r.epoch;
    const mean = this.epochSeconds.reduce((a, b) => a + b, 0) / this.epochSeconds.length;
    const eta = left > 0 ? `, ETA ${formatDuration(mean * left)} for ${left} more` : '';
    this.log(
      `epoch ${r.epoch}/${this.epochs}  loss ${fmt(r.loss)}  accuracy ${fmt(r.accuracy)}${val}  lr ${Number(r.lr.toPrecision(3))}  (${formatDuration(r.seconds)}${eta})${r.best ? ' *' : ''}${note ? '  ' + note : ''}`,
    );
  }
}
