/** Byte streams for encoder tests: a buffer fed in chunks of a given size, and a stream gathered back. */

/** `b` in chunks of `size` bytes (views, no copies), as a stream's reader would hand them over. */
export async function* chunks(b: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < b.length; at += size) yield b.subarray(at, at + size);
}

/** Everything `it` yields, in one buffer. */
export async function all(it: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of it) parts.push(c);
  return Buffer.concat(parts);
}
