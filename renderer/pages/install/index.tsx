import { ComingSoon } from '../../components/ui';

export function InstallPage() {
  return (
    <ComingSoon
      icon="usb"
      title="Install media"
      summary="Make a bootable NixOS USB stick from any computer."
      items={[
        "Pick a NixOS release, edition and architecture, each explained in a line",
        "Download the ISO with resume, and check its SHA-256 against the published checksum",
        "Write it to a USB stick safely (system disks are never offered), or copy it onto a Ventoy stick",
        "Write a starter configuration.nix, and walk you through booting and installing",
      ]}
    />
  );
}
