import { ComingSoon } from '../../components/ui';

export function HomeManagerPage() {
  return (
    <ComingSoon
      icon="user"
      title="Home Manager"
      summary="Your dotfiles and personal packages, declared in one file."
      items={[
        "A guided setup that installs the home-manager release matching your NixOS",
        "A home.nix editor with a form for the common settings",
        "Switch, generations and rollback",
        "Home Manager news",
      ]}
    />
  );
}
