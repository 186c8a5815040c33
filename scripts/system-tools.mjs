// The system tools `npm test` needs, each with the Debian package that brings it. `npm test` checks them
// first and, when one is missing, installs them (root on Debian/Ubuntu: apt-get) or prints the one
// command that does, instead of failing test by test.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';

/** [what the tests run or read, Debian package, why] */
export const SYSTEM_TOOLS = [
  ['nix-env', 'nix-bin', 'real Nix 2.8 for the integration tests (single-user, no daemon); Nix 2.26 comes from ../shared/tools/modern-nix'],
  ['chromium', 'chromium', 'the browser Playwright drives'],
  ['xz', 'xz-utils', 'channel tarballs (nixexprs.tar.xz)'],
  ['desktop-file-validate', 'desktop-file-utils', 'checks the .desktop entry'],
  ['xmllint', 'libxml2-utils', 'checks the polkit policy'],
  ['mkfs.exfat', 'exfatprogs', 'Ventoy-shaped test sticks'],
  ['mkfs.vfat', 'dosfstools', 'the VTOYEFI partition of those sticks'],
  ['sfdisk', 'fdisk', 'partitions loop devices'],
  ['losetup', 'mount', 'loop devices as test sticks'],
  ['lsblk', 'util-linux', 'lists block devices'],
  ['/usr/lib/ipxe/ipxe.iso', 'ipxe', 'a real isohybrid image to write'],
  ['/usr/lib/grub-rescue/grub-rescue-cdrom.iso', 'grub-rescue-pc', 'another real isohybrid image'],
  ['qemu-system-x86_64', 'qemu-system-x86', 'boots the written loop devices to prove the stick boots'],
  ['git', 'git', 'flake inputs and configuration commits'],
  ['mount.exfat-fuse', 'exfat-fuse', 'mounts the Ventoy data partition (no exFAT driver in this kernel)'],
  ['sqlite3', 'sqlite3', "reads Nix's database read-only for closures and sizes"],
  ['jq', 'jq', 'the stand-in nixos-rebuild uses jq, like the real script'],
  ['column', 'bsdextrautils', 'and column'],
  ['apt-get', 'apt', 'fetches Debian 13\'s Nix 2.26 into .cache/modern-nix'],
  ['/usr/share/keyrings/debian-archive-keyring.gpg', 'debian-archive-keyring', 'verifies that download'],
];

const SEARCH_PATH = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin', '/usr/bin', '/bin'];

function present(tool) {
  if (tool.startsWith('/')) return existsSync(tool);
  return SEARCH_PATH.some((dir) => {
    try {
      accessSync(path.join(dir, tool), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export function missingTools() {
  return SYSTEM_TOOLS.filter(([tool]) => !present(tool));
}

/** Installs what is missing where it can (root + apt-get); returns null when all is there, else what to tell the person. */
export function ensureSystemTools(log = console.log) {
  const missing = missingTools();
  if (missing.length === 0) return null;
  const packages = [...new Set(missing.map(([, pkg]) => pkg))];
  const command = `apt-get install -y --no-install-recommends ${packages.join(' ')}`;
  log(`Missing for the tests: ${missing.map(([tool, pkg]) => `${path.basename(tool)} (${pkg})`).join(', ')}`);
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !present('apt-get')) {
    return `Install them first${isRoot ? '' : ' (as root)'}: ${isRoot ? '' : 'sudo '}${command}`;
  }
  log(`Installing them: ${command}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const install = update.status === 0 ? spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { stdio: 'inherit', env }) : update;
  if (install.status !== 0) return `apt-get could not install them (exit ${install.status}). Try by hand: ${command}`;
  const still = missingTools();
  return still.length ? `Still missing after apt-get: ${still.map(([t]) => t).join(', ')}` : null;
}
