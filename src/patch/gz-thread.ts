/**
 * The gzip files of a rebuilt layer compressed again on a thread of their own (gz-worker.ts), so the decoder goes
 * on rebuilding the entries after one while it is encoded (on the Debian + Python pair: 0.3 s of CPU off the
 * thread that rebuilds, hashes and writes). The results come back in the order asked; memory stays bounded: at most
 * IN_FLIGHT bytes of content are with the thread at once (a patch naming many big gzip files waits for room).
 */
import { JobThread } from './job-thread.js';

const IN_FLIGHT = 32 << 20;

export class GzThread {
  private readonly thread: JobThread;
  private inFlight = 0;
  private room: (() => void)[] = [];

  constructor(what: string) {
    this.thread = new JobThread(new URL('./gz-worker.js', import.meta.url), 'gzip', what);
  }

  /**
   * `content` compressed by recipe `code`, on the thread. Resolves once there is room for the content (the caller's
   * backpressure) with the promise of the compressed bytes.
   */
  async encode(code: number, content: Buffer): Promise<{ bytes: Promise<Buffer> }> {
    while (this.inFlight > 0 && this.inFlight + content.length > IN_FLIGHT && !this.thread.failed) await new Promise<void>((r) => this.room.push(r));
    if (this.thread.failed) throw this.thread.failed;
    const copy = new Uint8Array(content); // moved to the thread: the content may be a view of a buffer held elsewhere
    this.inFlight += copy.length;
    const p = this.thread.post({ code, content: copy }, [copy.buffer]);
    const settled = () => this.release(copy.length);
    void p.then(settled, settled); // (room made however it ends; the caller handles the rejection)
    return { bytes: p }; // (in an object: a promise resolved with a promise would wait for it)
  }

  private release(n: number): void {
    this.inFlight -= n;
    const r = this.room;
    this.room = [];
    for (const f of r) f();
  }

  close(): Promise<void> {
    return this.thread.close();
  }
}
