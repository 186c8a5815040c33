import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync, closeSync, truncateSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDiskImage, imageFormat, inspectImage, MIN_IMAGE_BYTES, NOT_A_DISK_IMAGE } from '../../electron/services/installer/local-image';
import { setImagePicker } from '../../electron/services/installer/pick-image';
import { tempDir, testApp } from '../helpers/app';
import { GRUB_RESCUE_ISO, IPXE_ISO, sha256 } from '../helpers/install-media';

/**
 * "Use an ISO file I have" refuses what is not a disk image before it is hashed, offered for writing or
 * handed to the root helper: real images (Debian's isohybrid ipxe and grub-rescue ISOs, a GPT disk image
 * made with sfdisk) pass; a text file, a 1 MiB file of zeros and a tiny file with a boot signature do not.
 */

let dir: string;
let app: Awaited<ReturnType<typeof testApp>>;
const files: Record<string, string> = {};

beforeAll(async () => {
  dir = tempDir('nc-local-image-');
  files.text = path.join(dir, 'notes.txt');
  writeFileSync(files.text, 'my-laptop\n');
  files.zeros = path.join(dir, 'zeros.iso');
  writeFileSync(files.zeros, Buffer.alloc(MIN_IMAGE_BYTES));
  // a disk image with a GPT partition table (and its protective MBR), as sfdisk writes it
  files.gpt = path.join(dir, 'disk.img');
  writeFileSync(files.gpt, '');
  truncateSync(files.gpt, 8 * 1024 * 1024);
  execFileSync('sfdisk', ['--quiet', files.gpt], { input: 'label: gpt\nstart=2048, type=linux\n' });
  // the same partition table with its protective MBR wiped: only the GPT header says it is a disk image
  files.gptOnly = path.join(dir, 'gpt-only.img');
  copyFileSync(files.gpt, files.gptOnly);
  const fd = openSync(files.gptOnly, 'r+');
  writeSync(fd, Buffer.alloc(512), 0, 512, 0);
  closeSync(fd);
  // a real ISO with its MBR boot signature cleared: ISO 9660 only, not hybrid
  files.plainIso = path.join(dir, 'plain.iso');
  const ipxe = Buffer.from(readFileSync(IPXE_ISO));
  ipxe[510] = 0;
  ipxe[511] = 0;
  writeFileSync(files.plainIso, ipxe);
  // a boot sector and nothing else
  files.bootSector = path.join(dir, 'boot-sector.img');
  writeFileSync(files.bootSector, readFileSync(GRUB_RESCUE_ISO).subarray(0, 64 * 1024));
  files.empty = path.join(dir, 'empty.iso');
  writeFileSync(files.empty, '');
  mkdirSync(path.join(dir, 'a-folder.iso'));
  app = await testApp({ cacheDir: path.join(dir, 'cache') });
});

afterAll(async () => {
  await app?.dispose();
});

describe('the signatures of real images', () => {
  it('reads ISO 9660, MBR and GPT where each lives', async () => {
    expect(await inspectImage(IPXE_ISO)).toEqual({ iso9660: true, mbr: true, gpt: false });
    expect(imageFormat(await inspectImage(IPXE_ISO))).toBe('iso-hybrid');
    expect(imageFormat(await inspectImage(GRUB_RESCUE_ISO))).toBe('iso-hybrid');
    expect(await inspectImage(files.gpt!)).toEqual({ iso9660: false, mbr: true, gpt: true });
    expect(await inspectImage(files.gptOnly!)).toEqual({ iso9660: false, mbr: false, gpt: true });
    expect(imageFormat(await inspectImage(files.gptOnly!))).toBe('disk');
    expect(imageFormat(await inspectImage(files.plainIso!))).toBe('iso');
    expect(imageFormat(await inspectImage(files.text!))).toBeNull();
    expect(imageFormat(await inspectImage(files.zeros!))).toBeNull();
  });

  it('refuses a text file and a file of zeros with the one sentence, and a tiny boot sector as too small', async () => {
    await expect(checkDiskImage(files.text!, 10)).rejects.toMatchObject({ code: 'refused', message: NOT_A_DISK_IMAGE });
    await expect(checkDiskImage(files.zeros!, MIN_IMAGE_BYTES)).rejects.toMatchObject({ code: 'refused', message: NOT_A_DISK_IMAGE });
    await expect(checkDiskImage(files.bootSector!, 64 * 1024)).rejects.toMatchObject({ code: 'refused', message: 'This file is too small to be a disk image (64 KiB). Choose the .iso file you downloaded.' });
  });
});

describe('installer.checkLocal', () => {
  async function check(file: string, sha?: string) {
    const { jobId } = await app.call('installer.checkLocal', { path: file, ...(sha ? { sha256: sha } : {}) });
    const s = await app.ctx.jobs.wait(jobId);
    const logs = app.ctx.jobs.log(jobId, 0, 1000).lines.map((l) => l.text);
    return { ...s, logs };
  }

  it.each([
    ['ipxe.iso', IPXE_ISO, 'iso-hybrid'],
    ['the grub-rescue ISO', GRUB_RESCUE_ISO, 'iso-hybrid'],
    ['a GPT disk image made with sfdisk', 'gpt', 'disk'],
    ['an ISO 9660 image without a boot record', 'plainIso', 'iso'],
  ])('accepts %s', async (_name, file, format) => {
    const p = files[file] ?? file;
    const s = await check(p);
    expect(s.status, JSON.stringify(s.error)).toBe('done');
    expect(s.result).toMatchObject({ path: p, sha256: sha256(readFileSync(p)), format, isoHybrid: format === 'iso-hybrid' });
  });

  it.each([
    ['a text file', 'text', NOT_A_DISK_IMAGE],
    ['1 MiB of zeros', 'zeros', NOT_A_DISK_IMAGE],
    ['an empty file', 'empty', 'This file is empty, so it is not a disk image. Choose the .iso file you downloaded.'],
  ])('refuses %s in one sentence, before hashing it, even with a matching checksum', async (_name, file, message) => {
    const p = files[file]!;
    const s = await check(p, sha256(readFileSync(p)));
    expect(s.status).toBe('failed');
    expect(s.error).toMatchObject({ code: 'refused', message });
    expect(s.logs.some((l) => /SHA-256/.test(l))).toBe(false);
  });

  it('names a missing file and a folder in words', async () => {
    const missing = await check(path.join(dir, 'not-here.iso'));
    expect(missing.error).toMatchObject({ code: 'not-found', message: `There is no file at ${path.join(dir, 'not-here.iso')}. Check the path, or choose another file.` });
    expect(missing.error?.detail).toMatch(/ENOENT/);
    const folder = await check(path.join(dir, 'a-folder.iso'));
    expect(folder.error).toMatchObject({ code: 'refused', message: expect.stringMatching(/is a folder\. Choose the \.iso file inside it\.$/) });
  });
});

describe('installer.pickImage', () => {
  it('says in words that there is no file dialog where the shell gave none (a browser)', async () => {
    const err = await app.callError('installer.pickImage', {});
    expect(err).toMatchObject({ code: 'unsupported', message: expect.stringMatching(/^A browser cannot tell the app where a file is\. Type or paste the full path/) });
  });

  it('returns what the shell’s dialog chose, and nothing for a cancelled dialog or a path that is not absolute', async () => {
    const other = await testApp({ cacheDir: path.join(dir, 'cache2') });
    const answers: (string | null)[] = [IPXE_ISO, null, 'relative/file.iso'];
    setImagePicker(other.ctx, async () => answers.shift() ?? null);
    expect(await other.call('installer.pickImage', {})).toEqual({ path: IPXE_ISO });
    expect(await other.call('installer.pickImage', {})).toEqual({ path: null });
    expect(await other.call('installer.pickImage', {})).toEqual({ path: null });
    await other.dispose();
  });
});
