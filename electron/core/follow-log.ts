import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';

/**
 * Follows a log file another process is writing (the activation's output): each `poll()` passes the
 * complete lines added since the last one to `onLine`; `finish()` reads the rest, including a last
 * line without a newline. Polls never overlap, so lines come once and in order. Used by the root helper
 * while it runs an activation and by the app when it reattaches to one after a restart.
 */
export class LogFollower {
  private offset = 0;
  private partial = '';
  // a character split between two reads is kept until its last byte arrives
  private readonly decoder = new StringDecoder('utf8');
  private chain: Promise<void> = Promise.resolve();

  constructor(
    readonly file: string,
    private readonly onLine: (line: string) => void,
  ) {}

  poll(): Promise<void> {
    this.chain = this.chain.then(() => this.read()).catch(() => {});
    return this.chain;
  }

  async finish(): Promise<void> {
    await this.poll();
    if (this.partial) this.onLine(this.partial);
    this.partial = '';
  }

  /** poll every `ms` until `done` settles, then finish; resolves or rejects as `done` does */
  async until<T>(done: Promise<T>, ms = 200): Promise<T> {
    const timer = setInterval(() => void this.poll(), ms);
    try {
      return await done;
    } finally {
      clearInterval(timer);
      await this.finish();
    }
  }

  private async read() {
    const handle = await open(this.file, 'r').catch(() => null);
    if (!handle) return;
    try {
      const { size } = await handle.stat();
      if (size <= this.offset) return;
      const buf = Buffer.alloc(size - this.offset);
      const { bytesRead } = await handle.read(buf, 0, buf.length, this.offset);
      this.offset += bytesRead;
      const lines = (this.partial + this.decoder.write(buf.subarray(0, bytesRead))).split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) this.onLine(line);
    } finally {
      await handle.close();
    }
  }
}
