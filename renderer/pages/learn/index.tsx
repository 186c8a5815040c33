import { ComingSoon } from '../../components/ui';

export function LearnPage() {
  return (
    <ComingSoon
      icon="book"
      title="Learn"
      summary="The ideas behind NixOS, in plain words."
      items={[
        "The Nix store, derivations and generations",
        "Channels and flakes",
        "Home Manager and rollbacks",
        "Links to the manuals, Nix Pills, the wiki and the community",
      ]}
    />
  );
}
