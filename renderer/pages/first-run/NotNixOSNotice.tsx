import { Banner } from '../../components/ui';
import { useNavigation } from '../../stores/navigation';

/** A NixOS-only page on a computer that does not run NixOS: one sentence, and where to start instead. */
export function NotNixOSNotice({ area, osName }: { area: 'System' | 'Home Manager'; osName: string }) {
  const go = useNavigation((s) => s.go);
  return (
    <Banner
      kind="info"
      testId="not-nixos-notice"
      title={
        area === 'System'
          ? `This page shows and changes a NixOS system, and this computer runs ${osName}. To try NixOS, make a USB stick with Install media.`
          : `Home Manager needs Nix, and this computer runs ${osName} without it. To try NixOS, make a USB stick with Install media.`
      }
      actions={
        <button className="btn small primary" onClick={() => go('install')}>
          Open Install media
        </button>
      }
    />
  );
}
