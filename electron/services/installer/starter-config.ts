import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { StarterConfigInput } from '../../../shared/contract/installer';
import type { AppContext } from '../../context';
import { AppError } from '../../errors';
import { readIfExists, timestampedName } from '../../core/fs';
import { nixParse } from '../../core/nix';
import { candidateStableReleases } from './releases';

/**
 * A first configuration.nix from a short form. Every value was validated by the contract's patterns, so
 * nothing here can break out of a Nix string; the result is still parsed by the real nix-instantiate.
 * Option names are the ones in the NixOS options of the channel (tests check each against options.json).
 */

export type StarterConfig = Required<Omit<StarterConfigInput, 'fullName' | 'release'>> & { fullName?: string | undefined; release?: string | undefined };

/**
 * Options NixOS renamed, with the release that renamed them. The old name keeps working for a while after
 * (with a warning), the new one does not exist before: each release gets the name it knows.
 */
export const RENAMED_OPTIONS: { from: string; to: string; release: string }[] = [
  { from: 'hardware.pulseaudio.enable', to: 'services.pulseaudio.enable', release: '25.05' },
  { from: 'services.xserver.displayManager.gdm.enable', to: 'services.displayManager.gdm.enable', release: '25.11' },
  { from: 'services.xserver.desktopManager.gnome.enable', to: 'services.desktopManager.gnome.enable', release: '25.11' },
];

const releaseNumber = (r: string) => Number(r.replace('.', ''));

/** The option's name in `release`. */
export function optionName(name: string, release: string): string {
  for (const r of RENAMED_OPTIONS) {
    if (releaseNumber(release) >= releaseNumber(r.release) && r.from === name) return r.to;
    if (releaseNumber(release) < releaseNumber(r.release) && r.to === name) return r.from;
  }
  return name;
}

/** Each desktop's lines and options; `opt` gives an option's name in the release being installed. */
const desktops = (opt: (name: string) => string) => ({
  none: { label: 'no desktop (a server or a minimal system)', lines: [] as string[], options: [] as string[] },
  gnome: {
    label: 'GNOME',
    lines: [
      '  # The GNOME desktop, with its login screen (GDM).',
      '  services.xserver.enable = true;',
      `  ${opt('services.displayManager.gdm.enable')} = true;`,
      `  ${opt('services.desktopManager.gnome.enable')} = true;`,
    ],
    options: ['services.xserver.enable', opt('services.displayManager.gdm.enable'), opt('services.desktopManager.gnome.enable')],
  },
  plasma: {
    label: 'KDE Plasma 6',
    lines: ['  # The KDE Plasma 6 desktop, with its login screen (SDDM).', '  services.displayManager.sddm.enable = true;', '  services.displayManager.sddm.wayland.enable = true;', '  services.desktopManager.plasma6.enable = true;'],
    options: ['services.displayManager.sddm.enable', 'services.displayManager.sddm.wayland.enable', 'services.desktopManager.plasma6.enable'],
  },
  xfce: {
    label: 'Xfce',
    lines: ['  # The light Xfce desktop, with the LightDM login screen.', '  services.xserver.enable = true;', '  services.xserver.displayManager.lightdm.enable = true;', '  services.xserver.desktopManager.xfce.enable = true;'],
    options: ['services.xserver.enable', 'services.xserver.displayManager.lightdm.enable', 'services.xserver.desktopManager.xfce.enable'],
  },
});

export function generateStarterConfig(form: StarterConfig, now = new Date()): { content: string; options: string[] } {
  const stateVersion = form.release ?? candidateStableReleases(now)[0]!;
  const opt = (name: string) => optionName(name, stateVersion);
  const desktop = desktops(opt)[form.desktop];
  const graphical = form.desktop !== 'none';
  const groups = ['wheel', 'networkmanager'];
  const options = new Set<string>([
    'imports',
    'boot.loader.systemd-boot.enable',
    'boot.loader.efi.canTouchEfiVariables',
    'networking.hostName',
    'networking.networkmanager.enable',
    'time.timeZone',
    'i18n.defaultLocale',
    'console.keyMap',
    'services.xserver.xkb.layout',
    'users.users.<name>.isNormalUser',
    'users.users.<name>.description',
    'users.users.<name>.extraGroups',
    'environment.systemPackages',
    'system.stateVersion',
  ]);
  const lines: string[] = [
    '# configuration.nix — a starter configuration written by NixOS Companion.',
    '#',
    '# How to use it during the installation:',
    '#   1. Partition and mount the disk, then run: sudo nixos-generate-config --root /mnt',
    '#   2. Copy this file over the generated /mnt/etc/nixos/configuration.nix',
    '#      (keep the generated hardware-configuration.nix next to it).',
    '#   3. Run: sudo nixos-install   and set the root password when asked.',
    '#',
    '# Every option is explained in the NixOS manual and at https://search.nixos.org/options.',
    '# After the installation, change this file and run `sudo nixos-rebuild switch` to apply it.',
    '',
    '{ config, pkgs, ... }:',
    '',
    '{',
    '  imports = [',
    '    # Disks, file systems and drivers, detected by nixos-generate-config.',
    '    ./hardware-configuration.nix',
    '  ];',
    '',
    '  # Boot with systemd-boot (UEFI machines). For an old BIOS machine, use GRUB instead:',
    '  #   boot.loader.grub.enable = true;  boot.loader.grub.device = "/dev/sda";',
    '  boot.loader.systemd-boot.enable = true;',
    '  boot.loader.efi.canTouchEfiVariables = true;',
    '',
    '  # The name of this computer on the network.',
    `  networking.hostName = "${form.hostname}";`,
    '  # NetworkManager handles wired and Wi-Fi networks (use `nmtui` in a terminal).',
    '  networking.networkmanager.enable = true;',
    '',
    '  # Time zone, language and keyboard.',
    `  time.timeZone = "${form.timeZone}";`,
    `  i18n.defaultLocale = "${form.locale}";`,
    `  services.xserver.xkb.layout = "${form.keyboardLayout.split(/[-_]/)[0]}";`,
    '  # The text console follows the same keyboard layout.',
    '  console.useXkbConfig = true;',
    '',
  ];
  options.delete('console.keyMap');
  options.add('console.useXkbConfig');
  if (graphical) {
    lines.push(...desktop.lines, '');
    desktop.options.forEach((o) => options.add(o));
    lines.push('  # Sound through PipeWire.', `  ${opt('services.pulseaudio.enable')} = false;`, '  security.rtkit.enable = true;', '  services.pipewire.enable = true;', '  services.pipewire.pulse.enable = true;', '');
    [opt('services.pulseaudio.enable'), 'security.rtkit.enable', 'services.pipewire.enable', 'services.pipewire.pulse.enable'].forEach((o) => options.add(o));
    lines.push('  # Printing.', '  services.printing.enable = true;', '', '  # A web browser.', '  programs.firefox.enable = true;', '');
    options.add('services.printing.enable');
    options.add('programs.firefox.enable');
  }
  lines.push(
    `  # Your account. Set its password after the installation with: passwd ${form.userName}`,
    `  users.users.${form.userName} = {`,
    '    isNormalUser = true;',
    `    description = "${form.fullName || form.userName}";`,
    '    # wheel: may use sudo; networkmanager: may change network settings.',
    `    extraGroups = [ ${groups.map((g) => `"${g}"`).join(' ')} ];`,
    '  };',
    '',
  );
  if (form.ssh) {
    lines.push('  # Log in from other machines with SSH (password login is allowed for now; keys are safer).', '  services.openssh.enable = true;', '');
    options.add('services.openssh.enable');
  }
  if (form.flakes) {
    lines.push(
      '  # Turn on flakes and the new `nix` command (still labelled experimental upstream).',
      '  # nix.settings takes any nix.conf setting; experimental-features is one of them.',
      '  nix.settings.experimental-features = [ "nix-command" "flakes" ];',
      '',
    );
    options.add('nix.settings');
  }
  lines.push(
    '  # Programs for everyone on this machine; find more at https://search.nixos.org/packages.',
    '  environment.systemPackages = with pkgs; [',
    '    git',
    '    vim',
    '    wget',
    '  ];',
    '',
    '  # The NixOS release this machine was first installed with. Leave it as it is, even after',
    '  # upgrading: it keeps data formats (databases and the like) compatible. See `man configuration.nix`.',
    `  system.stateVersion = "${stateVersion}";`,
    '}',
  );
  return { content: `${lines.join('\n')}\n`, options: [...options] };
}

/** `nix-instantiate --parse -`: null when it parses, the error text when not, 'missing' without Nix. */
export async function parseNix(ctx: AppContext, content: string): Promise<string | null | 'missing'> {
  try {
    const failed = await nixParse(ctx.runner, { text: content });
    return failed ? failed.stderr.join('\n').trim() || `"nix-instantiate" failed (exit code ${failed.exitCode}).` : null;
  } catch (err) {
    if (err instanceof AppError && err.code === 'command-missing') return 'missing';
    throw err;
  }
}

export async function starterConfig(ctx: AppContext, form: StarterConfig) {
  const { content, options } = generateStarterConfig(form);
  const parsed = await parseNix(ctx, content);
  const parseError = parsed === 'missing' ? null : parsed;
  return { content, valid: parseError === null, checked: parsed !== 'missing', parseError, options };
}

export async function saveStarterConfig(ctx: AppContext, form: StarterConfig) {
  const { content, valid, parseError } = await starterConfig(ctx, form);
  if (!valid) throw new AppError('nix-error', 'The generated configuration did not parse, so it was not saved. This is a bug in the app; please report it.', parseError ?? undefined);
  const dir = ctx.host.starterConfigDir;
  await fsp.mkdir(dir, { recursive: true });
  const file = path.join(dir, 'configuration.nix');
  const existing = await readIfExists(file);
  if (existing !== null && existing !== content) await fsp.rename(file, `${timestampedName(file)}.bak`);
  await fsp.writeFile(file, content);
  return { path: file };
}
