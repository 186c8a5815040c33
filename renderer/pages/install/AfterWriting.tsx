import { useNavigation } from '../../stores/navigation';

const bootKeys: [string, string][] = [
  ['Dell', 'F12'],
  ['HP', 'F9 (or Esc, then F9)'],
  ['Lenovo ThinkPad', 'F12 (or Enter, then F12)'],
  ['Lenovo IdeaPad', 'F12, or the Novo button'],
  ['ASUS', 'F8 or Esc'],
  ['Acer', 'F12 (enable it in the firmware first)'],
  ['MSI', 'F11'],
  ['Gigabyte', 'F12'],
  ['Framework', 'F12'],
  ['Microsoft Surface', 'hold Volume Down while powering on'],
  ['Apple Intel Mac', 'hold Option (⌥) while powering on'],
];

/** What to do once the stick is ready: boot it, install, and where the app helps afterwards. */
export function AfterWriting({ graphical }: { graphical: boolean }) {
  const go = useNavigation((s) => s.go);
  return (
    <div className="after" data-testid="after-writing">
      <ol className="after-steps">
        <li>
          <h3>Boot from the stick</h3>
          <p>Plug the stick into the computer that will run NixOS and turn it on. Right away, press the boot-menu key repeatedly and pick the USB stick (on UEFI machines, the entry that starts with “UEFI”).</p>
          <table className="table boot-keys">
            <thead>
              <tr>
                <th>Maker</th>
                <th>Boot-menu key</th>
              </tr>
            </thead>
            <tbody>
              {bootKeys.map(([maker, key]) => (
                <tr key={maker}>
                  <td>{maker}</td>
                  <td>
                    <kbd>{key}</kbd>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="faint">If the stick does not appear: turn off Secure Boot in the firmware settings (NixOS’s installer is not signed for it), and try another USB port.</p>
        </li>
        <li>
          <h3>Install</h3>
          {graphical ? (
            <p>The graphical image starts a live desktop and opens the installer (Calamares). Follow it: language, time zone, keyboard, disk, user. It writes the configuration for you.</p>
          ) : null}
          <p>{graphical ? 'Or, by hand in a terminal (this is what the minimal image expects):' : 'The minimal image starts a terminal, logged in as nixos. Then:'}</p>
          <ol className="after-substeps">
            <li>
              Partition and format the disk, then mount it at <code>/mnt</code> (and the boot partition at <code>/mnt/boot</code>). The NixOS manual’s “Installation” chapter shows each command.
            </li>
            <li>
              Generate the configuration: <code>sudo nixos-generate-config --root /mnt</code>
            </li>
            <li>
              Copy your starter configuration over <code>/mnt/etc/nixos/configuration.nix</code> (keep <code>hardware-configuration.nix</code>). On a Ventoy stick it is next to the ISO.
            </li>
            <li>
              Install: <code>sudo nixos-install</code>, and set the root password when asked.
            </li>
            <li>
              Reboot: <code>reboot</code>, and remove the stick. Log in, and set your user’s password with <code>passwd</code>.
            </li>
          </ol>
        </li>
        <li>
          <h3>After that, this app helps</h3>
          <p>
            Install NixOS Companion on the new system to see and roll back generations, rebuild after editing the configuration, and search packages and options.
          </p>
          <div className="row">
            <button className="btn small" onClick={() => go('system')}>
              System
            </button>
            <button className="btn small" onClick={() => go('search')}>
              Search packages
            </button>
            <button className="btn small" onClick={() => go('learn')}>
              Learn NixOS
            </button>
          </div>
        </li>
      </ol>
    </div>
  );
}
