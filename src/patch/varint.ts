/** Unsigned LEB128 varints and zigzag signed numbers: the patch's operation lists, compact before zstd. */
import { StowageError } from '../errors.js';

export class VarintWriter {
  private parts: number[] = [];
  uint(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`internal: varint ${n}`);
    while (n >= 0x80) {
      this.parts.push((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    this.parts.push(n);
  }
  sint(n: number): void {
    this.uint(n >= 0 ? n * 2 : -n * 2 - 1);
  }
  bytes(): Buffer {
    return Buffer.from(this.parts);
  }
}

export class VarintReader {
  private at = 0;
  constructor(private readonly b: Buffer, private readonly what: string) {}
  uint(): number {
    let n = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      if (this.at >= this.b.length) throw new StowageError(`${this.what}: corrupt patch (operation list ends early)`, { code: 'corrupt' });
      const c = this.b[this.at++]!;
      n += (c & 0x7f) * mul;
      if (c < 0x80) return n;
      mul *= 0x80;
    }
    throw new StowageError(`${this.what}: corrupt patch (a number too large)`, { code: 'corrupt' });
  }
  sint(): number {
    const u = this.uint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }
  /** How many bytes have been read. */
  get offset(): number {
    return this.at;
  }
  get done(): boolean {
    return this.at === this.b.length;
  }
}
