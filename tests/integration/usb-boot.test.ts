import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JobSummary } from '../../shared/contract';
import { tempDir, testApp } from '../helpers/app';
import { GRUB_RESCUE_ISO, IPXE_ISO, QEMU, bootInQemu, loopMissing, helperHostFile, makeLoop, readDevice, type Loop } from '../helpers/install-media';
import { describeIfAvailable } from '../helpers/skip';

/**
 * The stick boots: a real isohybrid image written through the real API (usb.write job -> root helper ->
 * O_DIRECT) to a loop device, then that loop device (not the image file) booted in QEMU with SeaBIOS,
 * the way a PC's BIOS boots a USB stick. The bootloader's own words on the VGA text screen are the proof.
 */

const MiB = 1024 * 1024;
const haveQemu = existsSync(QEMU);
const run = describeIfAvailable(loopMissing() ?? (haveQemu ? null : `${QEMU} (apt-get install qemu-system-x86)`));

run('a written stick boots in an emulator', () => {
  let dir: string;
  let app: Awaited<ReturnType<typeof testApp>>;
  const loops: Loop[] = [];
  const previousHost = process.env.NIXOS_COMPANION_HOST;

  beforeAll(async () => {
    dir = tempDir('nc-usb-boot-');
    const keys = { allowLoopDevices: true, keepAwake: false, cacheDir: path.join(dir, 'cache') };
    process.env.NIXOS_COMPANION_HOST = helperHostFile(dir, keys);
    app = await testApp(keys);
  });
  afterEach(() => {
    while (loops.length) loops.pop()!.detach();
  });
  afterAll(async () => {
    if (previousHost === undefined) delete process.env.NIXOS_COMPANION_HOST;
    else process.env.NIXOS_COMPANION_HOST = previousHost;
    await app?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const writeThroughApi = async (image: string, device: string) => {
    const { drives } = await app.call('usb.drives', { image });
    const d = drives.find((x) => x.path === device);
    if (!d) throw new Error(`${device} not listed`);
    expect(d.blockedReason).toBeNull();
    const { jobId } = await app.call('usb.write', { image, device, expected: { size: d.size, serial: d.serial, diskseq: d.diskseq } });
    const s: JobSummary = await app.ctx.jobs.wait(jobId);
    expect(s.status, JSON.stringify(s.error)).toBe('done');
    expect((s.result as { verified: boolean }).verified).toBe(true);
    const img = readFileSync(image);
    expect(readDevice(device, img.length).equals(img)).toBe(true);
  };

  it.each([
    // GRUB's core image prints "Welcome to GRUB!" once it has loaded itself from the disk, then shows its
    // menu (a slow screen poll may see only the menu)
    ['grub-rescue-pc', GRUB_RESCUE_ISO, /Welcome to GRUB!|GNU GRUB +version/],
    // ISOLINUX loads iPXE's kernel from the ISO 9660 file system on the stick, and iPXE starts
    ['ipxe', IPXE_ISO, /iPXE initialising devices/],
  ])('%s written through usb.write boots from the loop device', async (_name, iso, bootloader) => {
    const l = makeLoop(dir, `${_name}.img`, 32 * MiB);
    loops.push(l);
    await writeThroughApi(iso, l.device);
    const boot = await bootInQemu(l.device, bootloader, dir);
    expect(boot.firmware).toMatch(/Booting from Hard Disk/);
    expect(boot.firmware).not.toMatch(/Boot failed/);
    expect(boot.reached, `screen:\n${boot.screen}\nfirmware:\n${boot.firmware.slice(-500)}`).toBe(true);
  });

  it('a blank stick does not boot (the check can fail)', async () => {
    const l = makeLoop(dir, 'blank.img', 32 * MiB);
    loops.push(l);
    const boot = await bootInQemu(l.device, /Welcome to GRUB!|iPXE initialising devices/, dir);
    expect(boot.reached).toBe(false);
    expect(boot.firmware).toMatch(/Boot failed: not a bootable disk/);
  });

  it('a stick whose first sector was lost after writing does not boot (why the first MiB is written last)', async () => {
    const l = makeLoop(dir, 'no-mbr.img', 32 * MiB);
    loops.push(l);
    await writeThroughApi(GRUB_RESCUE_ISO, l.device);
    execFileSync('dd', ['if=/dev/zero', `of=${l.device}`, 'bs=512', 'count=1', 'conv=fsync', 'status=none']);
    const boot = await bootInQemu(l.device, /Welcome to GRUB!/, dir);
    expect(boot.reached).toBe(false);
    expect(boot.firmware).toMatch(/Boot failed/);
  });
});
