/**
 * Splits a byte stream (a file, a TCP connection) into lines, as latin1 byte strings so that
 * checksums run over bytes and GBK content survives. Accepts LF and CRLF. A "line" longer than
 * `maxLineBytes` without a newline is cut and reported, so a peer that never sends a newline
 * cannot make us buffer without bound.
 */
export class LineSplitter {
  private carry: Buffer | undefined;
  /** Bytes of an overlong line already reported; the rest of it, up to its newline, is skipped. */
  private skipping = false;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly onOverlong: (bytes: number) => void = () => {},
    private readonly maxLineBytes = 64 * 1024,
  ) {}

  push(chunk: Buffer): void {
    let buf = chunk;
    if (this.carry) {
      buf = Buffer.concat([this.carry, chunk]);
      this.carry = undefined;
    }
    let start = 0;
    if (this.skipping) {
      const nl = buf.indexOf(10);
      if (nl < 0) return;
      this.skipping = false;
      start = nl + 1;
    }
    for (;;) {
      const nl = buf.indexOf(10, start);
      if (nl < 0) break;
      this.emit(buf, start, nl);
      start = nl + 1;
    }
    const rest = buf.length - start;
    if (rest > this.maxLineBytes) {
      this.onOverlong(rest);
      this.skipping = true;
    } else if (rest > 0) {
      this.carry = Buffer.from(buf.subarray(start));
    }
  }

  /** Flush a final line that had no newline. */
  end(): void {
    this.skipping = false;
    if (this.carry) {
      const buf = this.carry;
      this.carry = undefined;
      this.emit(buf, 0, buf.length);
    }
  }

  private emit(buf: Buffer, start: number, end: number): void {
    if (end > start && buf[end - 1] === 13) end--;
    if (end - start > this.maxLineBytes) {
      this.onOverlong(end - start);
      return;
    }
    this.onLine(buf.toString('latin1', start, end));
  }
}
