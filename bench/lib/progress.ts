/** One status line while the bench runs: rewritten in place on a terminal, a line every few seconds otherwise. */
export class Progress {
  private readonly tty = Boolean(process.stderr.isTTY);
  private lastPrinted = 0;
  private current = '';
  private readonly t0 = Date.now();

  private stamp(): string {
    const s = Math.floor((Date.now() - this.t0) / 1000);
    return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  }

  /** Replaces the status line. */
  set(text: string): void {
    this.current = text;
    const line = `[bench ${this.stamp()}] ${text}`;
    if (this.tty) {
      process.stderr.write(`\r\x1b[2K${line.slice(0, (process.stderr.columns || 160) - 1)}`);
    } else if (Date.now() - this.lastPrinted >= 5_000) {
      this.lastPrinted = Date.now();
      process.stderr.write(`${line}\n`);
    }
  }

  /** A line that stays (a phase finished). */
  log(text: string): void {
    if (this.tty) process.stderr.write('\r\x1b[2K');
    process.stderr.write(`[bench ${this.stamp()}] ${text}\n`);
    if (this.tty && this.current) this.set(this.current);
  }

  done(): void {
    if (this.tty) process.stderr.write('\r\x1b[2K');
    this.current = '';
  }
}
