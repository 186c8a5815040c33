import { ComingSoon } from '../../components/ui';

export function SearchPage() {
  return (
    <ComingSoon
      icon="search"
      title="Search"
      summary="Packages, NixOS options and Home Manager options, offline and instant."
      items={[
        "Search as you type, ranked by what you most likely meant",
        "Details with descriptions, defaults and examples",
        "Add a package or an option to your configuration in one click, with the change shown first",
      ]}
    />
  );
}
