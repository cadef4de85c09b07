/** A push-style encoder (write, then end; bytes handed to `emit`) turned into a stream of its output chunks. */
export interface PushEncoder {
  write(chunk: Uint8Array): void;
  end(): void;
}

export async function* encodeStream(input: AsyncIterable<Uint8Array>, make: (emit: (b: Uint8Array) => void) => PushEncoder): AsyncGenerator<Buffer> {
  let pending: Uint8Array[] = [];
  const w = make((b) => pending.push(b));
  const take = () => {
    const out = pending.length === 1 ? Buffer.from(pending[0]!.buffer, pending[0]!.byteOffset, pending[0]!.length) : Buffer.concat(pending);
    pending = [];
    return out;
  };
  for await (const chunk of input) {
    w.write(chunk);
    if (pending.length > 0) yield take();
  }
  w.end();
  yield take();
}
