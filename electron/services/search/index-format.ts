/**
 * The index file: "NCSIDX\n" + u32 header length + header JSON + 8-aligned sections (typed arrays,
 * strings, bytes). The records section comes last, so loading can leave it on disk.
 */
import { closeSync, openSync, readSync } from 'node:fs';

export interface IndexMeta {
  kind: string;
  builtAt: string;
  /** identifies the data the index was built from, to know when it is stale */
  sourceKey: string;
  [key: string]: unknown;
}

export interface Built {
  meta: IndexMeta;
  sections: Record<string, ArrayBufferView | string>;
}

// file format: "NCSIDX\n" + u32 header length + header JSON + 8-aligned sections

const MAGIC = Buffer.from('NCSIDX\n');

export function serialize(built: Built): Buffer {
  const parts: Buffer[] = [];
  const table: { name: string; type: string; offset: number; length: number }[] = [];
  let at = 0;
  for (const [name, value] of Object.entries(built.sections)) {
    let bytes: Buffer;
    let type: string;
    if (typeof value === 'string') {
      bytes = Buffer.from(value, 'utf8');
      type = 'string';
    } else if (Buffer.isBuffer(value)) {
      bytes = value;
      type = 'bytes';
    } else {
      bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      type = value.constructor.name;
    }
    table.push({ name, type, offset: at, length: bytes.length });
    parts.push(bytes);
    const pad = (8 - (bytes.length % 8)) % 8;
    if (pad) parts.push(Buffer.alloc(pad));
    at += bytes.length + pad;
  }
  const header = Buffer.from(JSON.stringify({ meta: built.meta, sections: table }));
  const lead = MAGIC.length + 4 + header.length;
  const leadPad = (8 - (lead % 8)) % 8;
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length + leadPad);
  return Buffer.concat([MAGIC, len, header, Buffer.alloc(leadPad, 0x20), ...parts]);
}

export interface Layout {
  header: { meta: IndexMeta; sections: { name: string; type: string; offset: number; length: number }[] };
  /** where the sections start */
  base: number;
  /** where the records section starts: everything before it is the index proper */
  recordsAt: number;
}

export function readLayout(readAt: (start: number, end: number) => Buffer): Layout {
  const lead = readAt(0, MAGIC.length + 4);
  if (!lead.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('not a search index file');
  const headerLen = lead.readUInt32LE(MAGIC.length);
  const start = MAGIC.length + 4;
  const header = JSON.parse(readAt(start, start + headerLen).toString('utf8')) as Layout['header'];
  const base = start + headerLen;
  const records = header.sections.find((s) => s.name === 'records');
  if (!records || header.sections[header.sections.length - 1] !== records) throw new Error('the search index has no records section at its end');
  return { header, base, recordsAt: base + records.offset };
}

type ArrayCtor = Uint32ArrayConstructor | Uint8ArrayConstructor | Float32ArrayConstructor;
export const ctors: Record<string, ArrayCtor> = { Uint32Array, Uint8Array, Float32Array };

export interface OpenedFile {
  /** everything before the records */
  body: Buffer;
  layout: Layout;
  readRecord: (start: number, end: number) => string;
  fd: number;
}

/** Reads an index file's body; records stay on disk and are read one at a time through the open descriptor. */
export function openIndexFile(file: string): OpenedFile {
  const fd = openSync(file, 'r');
  try {
    const readAt = (start: number, end: number) => {
      const out = Buffer.allocUnsafe(end - start);
      let done = 0;
      while (done < out.length) {
        const n = readSync(fd, out, done, out.length - done, start + done);
        if (n === 0) throw new Error('the search index file is shorter than its header says');
        done += n;
      }
      return out;
    };
    const layout = readLayout(readAt);
    const body = readAt(0, layout.recordsAt);
    return { body, layout, fd, readRecord: (start, end) => readAt(layout.recordsAt + start, layout.recordsAt + end).toString('utf8') };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}
