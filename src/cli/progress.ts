// A one-line progress display on a terminal (rows read, rows/s); silent when
// stderr is not a TTY, so logs and pipes stay clean.

export class Progress {
  private readonly tty: boolean;
  private readonly start = performance.now();
  private last = 0;

  constructor(private readonly label: string, stream: NodeJS.WriteStream = process.stderr) {
    this.tty = stream.isTTY === true;
    this.stream = stream;
  }

  private readonly stream: NodeJS.WriteStream;

  update(rows: number, bytes = 0): void {
    if (!this.tty) return;
    const now = performance.now();
    if (now - this.last < 100) return;
    this.last = now;
    const s = (now - this.start) / 1000;
    const rate = s > 0 ? rows / s : 0;
    const mb = bytes ? `, ${(bytes / 2 ** 20).toFixed(0)} MiB` : '';
    this.stream.write(`\r${this.label}: ${rows.toLocaleString('en-US')} rows read${mb}, ${Math.round(rate).toLocaleString('en-US')} rows/s   `);
  }

  done(): void {
    if (this.tty) this.stream.write('\n');
  }
}
