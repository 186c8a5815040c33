import { Worker } from 'node:worker_threads';

/**
 * SHA-256 on another thread. A download arrives on the main thread (sockets live there), so hashing it
 * there too would add the hash time to the download time; here the bytes are copied to a worker in large
 * blocks and hashed while the next ones arrive. Blocks are hashed in the order given.
 */
const SOURCE = `
const { parentPort } = require('node:worker_threads');
const hash = require('node:crypto').createHash('sha256');
parentPort.on('message', (m) => {
  if (m === 'digest') parentPort.postMessage(hash.digest('hex'));
  else hash.update(m);
});
`;

export class OffThreadSha256 {
  private readonly worker = new Worker(SOURCE, { eval: true });
  private done = false;

  constructor() {
    this.worker.unref();
  }

  update(data: Uint8Array): void {
    if (this.done) throw new Error('hash already finished');
    if (data.length) this.worker.postMessage(data);
  }

  digest(): Promise<string> {
    this.done = true;
    return new Promise((resolve, reject) => {
      this.worker.once('message', (hex: string) => {
        void this.worker.terminate();
        resolve(hex);
      });
      this.worker.once('error', reject);
      this.worker.postMessage('digest');
    });
  }

  dispose(): void {
    this.done = true;
    void this.worker.terminate();
  }
}
