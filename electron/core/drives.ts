import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { BlockedReason, Drive, Partition, VentoyInfo } from '../../shared/contract/usb';
import { AppError } from '../errors';
import type { CommandName } from '../host';

/**
 * Drive discovery and the safety rules, shared by the service (as the user) and the root helper (which
 * re-runs every check itself before it touches a device).
 */

/** Runs a command from the host environment and gives its stdout. */
export type Exec = (command: CommandName, args: string[]) => Promise<string>;

export const LSBLK_COLUMNS = 'NAME,PATH,SIZE,TYPE,TRAN,RM,RO,VENDOR,MODEL,SERIAL,MOUNTPOINTS,FSTYPE,LABEL,PARTLABEL,HOTPLUG,PKNAME,MAJ:MIN';

/** 128 GB: bigger than nearly every USB stick; a drive this size is more likely a disk someone cares about. */
export const LARGE_DRIVE_BYTES = 128e9;

export interface LsblkNode {
  name: string;
  path: string;
  size: number | string | null;
  type: string;
  tran?: string | null;
  rm?: boolean | string | null;
  ro?: boolean | string | null;
  vendor?: string | null;
  model?: string | null;
  serial?: string | null;
  mountpoints?: (string | null)[] | null;
  mountpoint?: string | null;
  fstype?: string | null;
  label?: string | null;
  partlabel?: string | null;
  hotplug?: boolean | string | null;
  pkname?: string | null;
  'maj:min'?: string | null;
  children?: LsblkNode[];
}

const flag = (v: unknown) => v === true || v === '1' || v === 1;
const num = (v: number | string | null | undefined) => (typeof v === 'number' ? v : Number(v ?? 0) || 0);
const clean = (v: string | null | undefined) => {
  const t = (v ?? '').trim();
  return t ? t : null;
};
const mountsOf = (n: LsblkNode): string[] => [...(n.mountpoints ?? []), n.mountpoint ?? null].filter((m): m is string => typeof m === 'string' && m.length > 0);

function* walk(n: LsblkNode): Generator<LsblkNode> {
  yield n;
  for (const c of n.children ?? []) yield* walk(c);
}

/** Mountpoints that make a disk part of the running system. */
export function isSystemMount(m: string): boolean {
  return m === '/' || m === '[SWAP]' || /^\/(boot|efi|nix|usr|var)(\/|$)/.test(m);
}

/** Where desktops (udisks: /run/media/$USER, /media/$USER) and people (/mnt) mount removable drives. */
export function isRemovableMount(m: string): boolean {
  return /^\/(media|run\/media|mnt)(\/|$)/.test(m);
}

/**
 * The transport, from lsblk's TRAN or, where util-linux before 2.39 leaves it empty, from the kernel name
 * the way lsblk 2.39 names it (mmcblk* = mmc, vd* = virtio).
 */
export function transportOf(disk: Pick<LsblkNode, 'name' | 'tran'>): string | null {
  const t = clean(disk.tran)?.toLowerCase();
  if (t) return t;
  if (/^mmcblk\d/.test(disk.name)) return 'mmc';
  if (/^vd[a-z]/.test(disk.name)) return 'virtio';
  if (/^nvme\d/.test(disk.name)) return 'nvme';
  return null;
}

/**
 * Soldered eMMC rather than a card in a slot: its hardware boot areas (mmcblkNboot0/1) are listed next to
 * it, or the kernel calls the card "MMC" (SD cards are "SD", "SDHC", "SDXC"). util-linux 2.38 reports
 * HOTPLUG=1 for everything on the mmc bus, so HOTPLUG alone cannot tell.
 */
function isEmbeddedMmc(disk: LsblkNode, facts: DriveFacts): boolean {
  if (/^mmcblk\d+boot\d+$/.test(disk.name)) return true;
  if (facts.mmcCardType?.get(disk.name) === 'MMC') return true;
  return facts.diskNames?.has(`${disk.name}boot0`) === true || facts.diskNames?.has(`${disk.name}boot1`) === true;
}

const transportWords: Record<string, string> = {
  sata: 'SATA', ata: 'ATA', nvme: 'NVMe', sas: 'SAS', spi: 'SCSI', fc: 'Fibre Channel', fcoe: 'Fibre Channel', iscsi: 'iSCSI, over the network',
  sbp: 'FireWire', virtio: 'virtual machine disk', usb: 'USB', mmc: 'MMC',
};

/**
 * Removable media, as Etcher, Raspberry Pi Imager and GNOME Disks offer them: USB drives and memory cards
 * that lsblk calls removable (RM) or hot-pluggable (HOTPLUG). Anything else is a built-in disk and `builtIn`
 * says what kind, in words. HOTPLUG alone is not enough: SATA ports that allow hot swapping report it too.
 */
export function mediaOf(disk: LsblkNode, facts: DriveFacts): { removable: boolean; transport: string | null; builtIn: string | null } {
  const transport = transportOf(disk);
  const flagged = flag(disk.rm) || flag(disk.hotplug);
  if (transport === 'mmc' && isEmbeddedMmc(disk, facts)) return { removable: false, transport, builtIn: 'eMMC' };
  if ((transport === 'usb' || transport === 'mmc') && flagged) return { removable: true, transport, builtIn: null };
  const kind = transport ? (transportWords[transport] ?? transport.toUpperCase()) : 'connection unknown';
  return { removable: false, transport, builtIn: transport === 'usb' || transport === 'mmc' ? `${kind}, not reported as removable` : kind };
}

export function parseLsblk(json: string): LsblkNode[] {
  let parsed: { blockdevices?: LsblkNode[] };
  try {
    parsed = JSON.parse(json) as { blockdevices?: LsblkNode[] };
  } catch (err) {
    throw new AppError('command-failed', 'The list of drives could not be read (lsblk gave something unexpected).', (err as Error).message);
  }
  return parsed.blockdevices ?? [];
}

export interface DriveFacts {
  /** filesystem type and label per partition path, from blkid when lsblk (no udev) knows none */
  probed?: Map<string, { fstype: string | null; label: string | null }>;
  /** diskseq per disk name, from /sys/block/<name>/diskseq */
  diskseq?: Map<string, number>;
  /** disk names that hold the source image (its filesystem, or the loop device backed by it) */
  imageHolders?: Set<string>;
  imageSize?: number;
  allowLoop: boolean;
  /** free space per mounted partition path (a Ventoy stick's data partition) */
  freeBytes?: Map<string, number>;
  /** names of every top-level device lsblk listed (eMMC boot areas mmcblkNboot0/1 give eMMC away) */
  diskNames?: Set<string>;
  /** the kernel's card type per mmc disk name (/sys/class/block/<name>/device/type: MMC, SD, SDHC...) */
  mmcCardType?: Map<string, string>;
}

function ventoyOf(parts: Partition[], freeBytes?: Map<string, number>): VentoyInfo | null {
  const data = parts.find((p) => p.label === 'Ventoy' || p.partLabel === 'Ventoy');
  const efi = parts.find((p) => p.label === 'VTOYEFI' || p.partLabel === 'VTOYEFI');
  if (!data || !efi) return null;
  const mounted = freeBytes?.get(data.path);
  return { dataPartition: data.path, efiPartition: efi.path, fsType: data.fsType, freeBytes: mounted ?? null, sizeBytes: data.size };
}

const blockedWords: Record<Exclude<BlockedReason, 'built-in' | 'mounted'>, string> = {
  system: 'This drive holds the running system (/, /boot, /nix, /usr, /var or swap) or part of a RAID array. Writing to it would destroy this computer’s installation.',
  'too-small': 'This drive is smaller than the image.',
  'read-only': 'This drive is read-only (check for a write-protect switch on the stick or card).',
  'holds-image': 'The image you chose is stored on this drive. Copy it somewhere else first, or pick another drive.',
  partition: 'This is a partition, not a whole drive. Pick the drive itself.',
  'not-a-disk': 'This is not a disk the app can write to.',
  'loop-not-allowed': 'Loop devices are not offered (they are for tests).',
  empty: 'This drive reports a size of 0: there may be no card or medium in it.',
};

function reasonWords(reason: BlockedReason, builtIn: string | null, mounts: string[]): string {
  if (reason === 'built-in') return `Built-in disk (${builtIn ?? 'connection unknown'}) — not offered, to protect your computer’s own drives. Only USB drives and memory cards are.`;
  if (reason === 'mounted') {
    const where = mounts.filter((m) => !isRemovableMount(m));
    return `This drive is mounted at ${where.join(', ')}, outside /media, /run/media and /mnt, so this computer may be using it. Unmount it yourself first if you really mean to erase it.`;
  }
  return blockedWords[reason];
}

export function toDrive(disk: LsblkNode, facts: DriveFacts): Drive {
  const parts: Partition[] = (disk.children ?? [])
    .filter((c) => c.type === 'part')
    .map((c) => {
      const probed = facts.probed?.get(c.path);
      return {
        path: c.path,
        size: num(c.size),
        fsType: clean(c.fstype) ?? probed?.fstype ?? null,
        label: clean(c.label) ?? probed?.label ?? null,
        partLabel: clean(c.partlabel),
        mountpoints: [...walk(c)].flatMap(mountsOf),
      };
    });
  const mountpoints = [...new Set([...walk(disk)].flatMap(mountsOf))];
  const size = num(disk.size);
  const media = mediaOf(disk, facts);
  const raidMember = [...walk(disk)].some((n) => n.type.startsWith('raid') || n.type === 'md');
  const system = mountpoints.some(isSystemMount) || raidMember;
  const type = disk.type === 'loop' ? 'loop' : 'disk';
  let reason: BlockedReason | null = null;
  if (disk.type !== 'disk' && disk.type !== 'loop') reason = disk.type === 'part' ? 'partition' : 'not-a-disk';
  else if (type === 'loop' && !facts.allowLoop) reason = 'loop-not-allowed';
  else if (system) reason = 'system';
  else if (type === 'disk' && !media.removable) reason = 'built-in';
  else if (mountpoints.some((m) => !isRemovableMount(m))) reason = 'mounted';
  else if (facts.imageHolders?.has(disk.name)) reason = 'holds-image';
  else if (flag(disk.ro)) reason = 'read-only';
  else if (size === 0) reason = 'empty';
  else if (facts.imageSize !== undefined && size < facts.imageSize) reason = 'too-small';
  return {
    path: disk.path,
    name: disk.name,
    size,
    vendor: clean(disk.vendor),
    model: clean(disk.model),
    serial: clean(disk.serial),
    diskseq: facts.diskseq?.get(disk.name) ?? null,
    transport: media.transport,
    removable: media.removable,
    readOnly: flag(disk.ro),
    type,
    mountpoints,
    partitions: parts,
    system,
    blockedReason: reason,
    blockedMessage: reason ? reasonWords(reason, media.builtIn, mountpoints) : null,
    large: size > LARGE_DRIVE_BYTES,
    ventoy: ventoyOf(parts, facts.freeBytes),
  };
}

/** The mmc card type the kernel reports ("MMC" for eMMC, "SD"/"SDHC"/"SDXC" for cards), for mmc disks. */
async function mmcCardTypes(tree: LsblkNode[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const d of tree) {
    if (d.type !== 'disk' || transportOf(d) !== 'mmc') continue;
    const text = await readFile(`/sys/class/block/${d.name}/device/type`, 'utf8').catch(() => null);
    if (text?.trim()) out.set(d.name, text.trim());
  }
  return out;
}

export async function readDiskseq(name: string): Promise<number | null> {
  const text = await readFile(`/sys/class/block/${name}/diskseq`, 'utf8').catch(() => null);
  const n = text === null ? NaN : Number(text.trim());
  return Number.isInteger(n) ? n : null;
}

/** major:minor of a stat dev number (glibc's gnu_dev_major/minor). */
export function devNumbers(dev: number): string {
  const big = BigInt(dev);
  const major = Number(((big >> 8n) & 0xfffn) | ((big >> 32n) & ~0xfffn));
  const minor = Number((big & 0xffn) | ((big >> 12n) & ~0xffn));
  return `${major}:${minor}`;
}

/** The top-level disks whose storage holds `image`: its filesystem's disk, and loop devices backed by it. */
export async function imageHolders(image: string, tree: LsblkNode[], exec: Exec): Promise<Set<string>> {
  const holders = new Set<string>();
  const real = await realpath(image).catch(() => image);
  const st = await stat(real).catch(() => null);
  if (!st) return holders;
  const want = devNumbers(st.dev);
  let source: string | null = null;
  for (const disk of tree) {
    for (const n of walk(disk)) {
      if (n['maj:min'] === want) holders.add(disk.name);
    }
    if (disk.type === 'loop') {
      const backing = await readFile(`/sys/class/block/${disk.name}/loop/backing_file`, 'utf8').catch(() => '');
      if (backing.trim() === real) holders.add(disk.name);
    }
  }
  if (holders.size === 0) {
    // btrfs and friends report an anonymous device number: ask findmnt which device holds the file.
    source = await exec('findmnt', ['-n', '-o', 'SOURCE', '-T', real]).then((s) => s.trim().replace(/\[.*\]$/, ''), () => null);
    if (source) {
      for (const disk of tree) for (const n of walk(disk)) if (n.path === source) holders.add(disk.name);
    }
  }
  return holders;
}

/** lsblk reads labels from udev's database; where it has none (no udev, a just-made filesystem), ask blkid. */
async function probePartitions(tree: LsblkNode[], exec: Exec): Promise<Map<string, { fstype: string | null; label: string | null }>> {
  const out = new Map<string, { fstype: string | null; label: string | null }>();
  const unknown = tree.flatMap((d) => (d.children ?? []).filter((c) => c.type === 'part' && !clean(c.fstype)).map((c) => c.path));
  if (unknown.length === 0) return out;
  const text = await exec('blkid', ['-p', '-o', 'export', ...unknown]).catch((err: unknown) => (err as { stdout?: string }).stdout ?? '');
  let current: { dev?: string; fstype: string | null; label: string | null } = { fstype: null, label: null };
  const flush = () => {
    if (current.dev) out.set(current.dev, { fstype: current.fstype, label: current.label });
  };
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    if (m[1] === 'DEVNAME') {
      flush();
      current = { dev: m[2]!, fstype: null, label: null };
    } else if (m[1] === 'TYPE') current.fstype = m[2]!;
    else if (m[1] === 'LABEL') current.label = m[2]!;
  }
  flush();
  return out;
}

async function freeSpace(tree: LsblkNode[]): Promise<Map<string, number>> {
  const { statfs } = await import('node:fs/promises');
  const out = new Map<string, number>();
  for (const disk of tree)
    for (const part of disk.children ?? []) {
      const mount = mountsOf(part)[0];
      if (!mount) continue;
      const s = await statfs(mount).catch(() => null);
      if (s) out.set(part.path, s.bavail * s.bsize);
    }
  return out;
}

export async function readTree(exec: Exec, device?: string): Promise<LsblkNode[]> {
  const json = await exec('lsblk', ['--json', '--bytes', '-o', LSBLK_COLUMNS, ...(device ? [device] : [])]);
  return parseLsblk(json);
}

/** Every whole disk (and loop device, when allowed), with its safety verdict for `image`. */
export async function listDrives(exec: Exec, opts: { allowLoop: boolean; image?: string }): Promise<Drive[]> {
  const all = await readTree(exec);
  const tree = all.filter((d) => !d.name.startsWith('zram') && (d.type === 'disk' || (d.type === 'loop' && opts.allowLoop)));
  const facts: DriveFacts = {
    allowLoop: opts.allowLoop,
    probed: await probePartitions(tree, exec),
    freeBytes: await freeSpace(tree),
    diskseq: new Map(),
    diskNames: new Set(all.map((d) => d.name)),
    mmcCardType: await mmcCardTypes(tree),
  };
  for (const d of tree) {
    const seq = await readDiskseq(d.name);
    if (seq !== null) facts.diskseq!.set(d.name, seq);
  }
  if (opts.image) {
    facts.imageHolders = await imageHolders(opts.image, tree, exec);
    facts.imageSize = (await stat(opts.image).catch(() => null))?.size;
  }
  return tree.filter((d) => d.type !== 'loop' || num(d.size) > 0).map((d) => toDrive(d, facts));
}

/**
 * One device, looked up by path wherever it sits in the tree (a partition path is found too, so it can
 * be refused as a partition). Throws when there is no such device.
 */
export async function inspectDevice(exec: Exec, device: string, opts: { allowLoop: boolean; image?: string }): Promise<Drive> {
  const resolved = await realpath(device).catch(() => {
    throw new AppError('not-found', `There is no drive at ${device} any more. Was it unplugged?`);
  });
  if (!/^\/dev\//.test(resolved) || path.basename(resolved) !== path.basename(resolved).replace(/[^A-Za-z0-9._-]/g, '')) {
    throw new AppError('refused', `${device} is not a device.`);
  }
  const tree = await readTree(exec);
  for (const disk of tree) {
    for (const n of walk(disk)) {
      if (n.path !== resolved) continue;
      if (n !== disk) {
        const facts: DriveFacts = { allowLoop: opts.allowLoop };
        return toDrive({ ...n, type: n.type === 'part' ? 'part' : n.type }, facts);
      }
      const facts: DriveFacts = {
        allowLoop: opts.allowLoop,
        probed: await probePartitions([disk], exec),
        diskseq: new Map(),
        diskNames: new Set(tree.map((d) => d.name)),
        mmcCardType: await mmcCardTypes([disk]),
      };
      const seq = await readDiskseq(disk.name);
      if (seq !== null) facts.diskseq!.set(disk.name, seq);
      if (opts.image) {
        facts.imageHolders = await imageHolders(opts.image, tree, exec);
        facts.imageSize = (await stat(opts.image).catch(() => null))?.size;
      }
      return toDrive(disk, facts);
    }
  }
  throw new AppError('not-found', `There is no drive at ${device} any more. Was it unplugged?`);
}

/** Throws the drive's blocked reason as a refusal, in words. */
export function assertWritable(drive: Drive): void {
  if (!drive.blockedReason) return;
  const why = drive.blockedMessage ?? drive.blockedReason;
  throw new AppError('refused', `${drive.path} cannot be written: ${why.charAt(0).toLowerCase()}${why.slice(1)}`, `blocked: ${drive.blockedReason}`);
}

export interface Identity {
  size: number;
  serial: string | null;
  diskseq?: number | null;
}

/** The drive behind the path must be the one the user picked: same size, same serial, and (where the kernel numbers media) the same diskseq. */
export function assertSameDrive(drive: Drive, expected: Identity): void {
  const changed: string[] = [];
  if (drive.size !== expected.size) changed.push(`size ${expected.size} → ${drive.size} bytes`);
  if ((drive.serial ?? null) !== (expected.serial ?? null)) changed.push(`serial ${expected.serial ?? 'none'} → ${drive.serial ?? 'none'}`);
  if (expected.diskseq != null && drive.diskseq != null && drive.diskseq !== expected.diskseq) changed.push(`medium sequence ${expected.diskseq} → ${drive.diskseq}`);
  if (changed.length) {
    throw new AppError('conflict', `The drive at ${drive.path} is not the one you picked (it was unplugged or replaced). Nothing was written. Pick the drive again.`, changed.join('; '));
  }
}

export function describeDrive(d: Pick<Drive, 'vendor' | 'model' | 'size' | 'path'>): string {
  const name = [d.vendor, d.model].filter(Boolean).join(' ') || 'Unnamed drive';
  return `${name} (${(d.size / 1e9).toFixed(d.size >= 10e9 ? 0 : 1)} GB, ${d.path})`;
}
