import { ComingSoon } from '../components/ui';

/** Areas whose features are still being built: each says what it will do, and shows no invented data. */
export const InstallPlaceholder = () => (
  <ComingSoon
    icon="usb"
    title="Install media"
    summary="Make a bootable NixOS USB stick from any computer."
    items={[
      'Pick a NixOS release, edition and architecture, each explained in a line',
      'Download the ISO with resume, and check its SHA-256 against the published checksum',
      'Write it to a USB stick safely (system disks are never offered), or copy it onto a Ventoy stick',
      'Write a starter configuration.nix, and walk you through booting and installing',
    ]}
  />
);

export const SystemPlaceholder = () => (
  <ComingSoon
    icon="system"
    title="System"
    summary="Generations, rebuilds and rollbacks of your NixOS configuration."
    items={[
      'Every generation with its date, NixOS and kernel version, and what changed between two',
      'nixos-rebuild switch, test and boot with live progress a person can read',
      'A safe switch that reverts by itself unless you confirm, and one-click rollback',
      'Channels, flake updates, the configuration editor and garbage collection',
    ]}
  />
);

export const HomeManagerPlaceholder = () => (
  <ComingSoon
    icon="user"
    title="Home Manager"
    summary="Your dotfiles and personal packages, declared in one file."
    items={['A guided setup that installs the home-manager release matching your NixOS', 'A home.nix editor with a form for the common settings', 'Switch, generations and rollback', 'Home Manager news']}
  />
);

export const SearchPlaceholder = () => (
  <ComingSoon
    icon="search"
    title="Search"
    summary="Packages, NixOS options and Home Manager options, offline and instant."
    items={['Search as you type, ranked by what you most likely meant', 'Details with descriptions, defaults and examples', 'Add a package or an option to your configuration in one click, with the change shown first']}
  />
);

export const LearnPlaceholder = () => (
  <ComingSoon
    icon="book"
    title="Learn"
    summary="The ideas behind NixOS, in plain words."
    items={['The Nix store, derivations and generations', 'Channels and flakes', 'Home Manager and rollbacks', 'Links to the manuals, Nix Pills, the wiki and the community']}
  />
);
