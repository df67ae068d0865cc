/** A one-line progress bar on a terminal: percentage, lines and rate, redrawn at most 5×/s. */
export class ProgressBar {
  private done = 0;
  private lineCount = 0;
  private lastDraw = 0;
  private readonly started = Date.now();

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly total: number,
  ) {}

  /** Bytes read so far grew by `bytes`. */
  advance(bytes: number): void {
    this.done += bytes;
    this.draw();
  }

  /** Lines decoded so far. */
  lines(n: number): void {
    this.lineCount = n;
    this.draw();
  }

  private draw(): void {
    const now = Date.now();
    if (now - this.lastDraw < 200) return;
    this.lastDraw = now;
    const fraction = this.total > 0 ? Math.min(1, this.done / this.total) : 0;
    const width = 30;
    const filled = Math.round(fraction * width);
    const seconds = Math.max(0.001, (now - this.started) / 1000);
    const rate = Math.round(this.lineCount / seconds);
    this.stream.write(
      `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%  ${this.lineCount.toLocaleString('en')} lines  ${rate.toLocaleString('en')} lines/s `,
    );
  }

  clear(): void {
    if (this.lastDraw > 0) this.stream.write('\r\x1b[K');
  }
}
