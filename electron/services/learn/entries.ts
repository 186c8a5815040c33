import type { LearnEntry, LearnEntryId, LearnResource } from '../../../shared/contract/learn';

/** The standard places to learn more. Every address here is on the link allow-list. */
export const resources: LearnResource[] = [
  { id: 'nixos-manual', label: 'NixOS manual', url: 'https://nixos.org/manual/nixos/stable/', description: 'Installing, configuring and running NixOS.' },
  { id: 'nix-manual', label: 'Nix manual', url: 'https://nix.dev/manual/nix/stable/', description: 'The Nix package manager and its language, in full.' },
  { id: 'nix-pills', label: 'Nix Pills', url: 'https://nixos.org/guides/nix-pills/', description: 'A step-by-step series that builds up how Nix works from first principles.' },
  { id: 'nix-dev', label: 'nix.dev', url: 'https://nix.dev/', description: 'Official tutorials and guides for getting things done with Nix.' },
  { id: 'wiki', label: 'NixOS Wiki', url: 'https://wiki.nixos.org/', description: 'Community-written how-tos for hardware, programs and services.' },
  { id: 'package-search', label: 'Package search', url: 'https://search.nixos.org/packages', description: 'The official package search on the web.' },
  { id: 'option-search', label: 'Option search', url: 'https://search.nixos.org/options', description: 'The official NixOS option search on the web.' },
  { id: 'home-manager-manual', label: 'Home Manager manual', url: 'https://nix-community.github.io/home-manager/', description: 'Managing your own programs and dotfiles with Home Manager.' },
  { id: 'nix-hour', label: 'The Nix Hour', url: 'https://www.youtube.com/playlist?list=PLyzwHTVJlRc8yjlx4VR4LU5A5O44og9in', description: 'Weekly videos answering real questions about Nix, live.' },
  { id: 'community', label: 'Community', url: 'https://nixos.org/community/', description: 'Where to ask: Discourse, Matrix, and more.' },
  { id: 'discourse', label: 'NixOS Discourse', url: 'https://discourse.nixos.org/', description: 'The forum: questions, announcements, help.' },
];

const entry = (e: LearnEntry) => e;

/** A few plain sentences about each idea a newcomer meets. Ids are fixed: other pages and errors link to them. */
export const entries: Record<LearnEntryId, LearnEntry> = {
  'nix-store': entry({
    id: 'nix-store',
    title: 'The Nix store',
    summary: 'Every program and library lives in /nix/store, each in its own folder named by a hash.',
    paragraphs: [
      'Instead of putting files in /usr, Nix puts everything it builds in /nix/store, one folder per package version, such as /nix/store/abc123…-firefox-133.0.',
      'The hash in the name is computed from everything that went into the build. Two versions never overwrite each other, so installing or updating one thing cannot break another.',
      'The store is read-only. You change your system by describing it in your configuration and rebuilding, not by editing files in the store.',
    ],
    related: ['derivations', 'garbage-collection', 'generations'],
    links: [{ label: 'Nix Pills: the store', url: 'https://nixos.org/guides/nix-pills/' }],
  }),
  derivations: entry({
    id: 'derivations',
    title: 'Derivations',
    summary: 'A derivation is an exact recipe for building one thing in the store.',
    paragraphs: [
      'A derivation lists the sources, the build script and every dependency of a package. Nix builds it in isolation, so the result depends only on the recipe.',
      'Because the recipe is exact, Nix can download the finished result from a binary cache instead of building it, whenever someone already built the same recipe.',
      'Your whole NixOS system is a derivation too: rebuilding computes it from your configuration.',
    ],
    related: ['nix-store', 'nix', 'build-errors'],
    links: [{ label: 'Nix manual: derivations', url: 'https://nix.dev/manual/nix/stable/language/derivations.html' }],
  }),
  generations: entry({
    id: 'generations',
    title: 'Generations',
    summary: 'Each rebuild makes a new numbered generation; the old ones stay until you delete them.',
    paragraphs: [
      'When you rebuild, NixOS does not change the running system in place. It builds a complete new system and records it as the next generation of the system profile.',
      'The boot menu lists your generations, so you can start an older one if a new one does not work.',
      'Old generations keep their packages in the store. Deleting generations you no longer need, then collecting garbage, frees the space.',
    ],
    related: ['rollback', 'garbage-collection', 'configuration'],
    links: [{ label: 'NixOS manual: rolling back', url: 'https://nixos.org/manual/nixos/stable/#sec-rollback' }],
  }),
  'channels-vs-flakes': entry({
    id: 'channels-vs-flakes',
    title: 'Channels and flakes',
    summary: 'Both decide which version of nixpkgs your system is built from; flakes pin it in a lock file.',
    paragraphs: [
      'A channel is a named, regularly updated snapshot of nixpkgs, such as nixos-24.11. Your system follows the channel called "nixos"; updating the channel and rebuilding upgrades the system.',
      'A flake is a folder with a flake.nix that names its inputs (such as nixpkgs) and a flake.lock that records exactly which revision of each. Updating means updating the lock file, which you can keep in git.',
      'Channels are simpler to start with. Flakes make a configuration reproducible on another machine. When /etc/nixos/flake.nix exists, rebuilds use it.',
    ],
    related: ['configuration', 'generations'],
    links: [
      { label: 'NixOS manual: upgrading', url: 'https://nixos.org/manual/nixos/stable/#sec-upgrading' },
      { label: 'Wiki: flakes', url: 'https://wiki.nixos.org/wiki/Flakes' },
    ],
  }),
  'home-manager': entry({
    id: 'home-manager',
    title: 'Home Manager',
    summary: 'Home Manager does for your own programs and dotfiles what NixOS does for the system.',
    paragraphs: [
      'Home Manager reads ~/.config/home-manager/home.nix and builds your user environment from it: the programs you use, and their settings files.',
      'It has its own generations, so a change to your setup can be undone like a system change, without needing administrator rights.',
      'Its release must match your system’s NixOS release, for example home-manager 24.11 with NixOS 24.11.',
    ],
    related: ['generations', 'rollback', 'channels-vs-flakes'],
    links: [{ label: 'Home Manager manual', url: 'https://nix-community.github.io/home-manager/' }],
  }),
  rollback: entry({
    id: 'rollback',
    title: 'Rolling back',
    summary: 'If a change breaks something, switch back to the previous generation.',
    paragraphs: [
      'Rolling back makes the previous generation the current one again and activates it. Nothing needs to be rebuilt: the old generation is still in the store.',
      'If the system does not start at all, choose an older generation in the boot menu instead.',
      'Rolling back does not change your configuration file, so fix the file before you rebuild again.',
    ],
    related: ['generations', 'configuration'],
    links: [{ label: 'NixOS manual: rolling back', url: 'https://nixos.org/manual/nixos/stable/#sec-rollback' }],
  }),
  configuration: entry({
    id: 'configuration',
    title: 'The configuration file',
    summary: '/etc/nixos/configuration.nix describes your whole system; rebuilding makes it real.',
    paragraphs: [
      'Everything about a NixOS system — packages, services, users, boot settings — is written as options in /etc/nixos/configuration.nix (and files it imports).',
      'Changing the file does nothing by itself. Rebuilding builds the system it describes, and switching activates it.',
      'Search lists every option with its meaning, default and an example you can add in one click.',
    ],
    related: ['generations', 'search', 'evaluation-errors'],
    links: [{ label: 'NixOS manual: configuration', url: 'https://nixos.org/manual/nixos/stable/#ch-configuration' }],
  }),
  'garbage-collection': entry({
    id: 'garbage-collection',
    title: 'Garbage collection',
    summary: 'Deleting old generations and collecting garbage removes what nothing uses any more.',
    paragraphs: [
      'Packages stay in the store while any generation, profile or running program uses them. That is what makes rollbacks possible, and also why the store grows.',
      'Collecting garbage deletes every store path that nothing refers to. Delete old generations first, or their packages are kept.',
    ],
    related: ['nix-store', 'generations'],
    links: [{ label: 'Nix manual: garbage collection', url: 'https://nix.dev/manual/nix/stable/package-management/garbage-collection.html' }],
  }),
  nix: entry({
    id: 'nix',
    title: 'Nix, the tool',
    summary: 'Nix is the package manager underneath NixOS; the app runs its commands for you.',
    paragraphs: [
      'Commands such as nixos-rebuild, nix-env and nix-channel come with Nix and NixOS. The app calls them and shows what they print.',
      'If the app says a command was not found, Nix is not installed or not on the PATH of the app. On NixOS it always is; on other systems, install Nix first.',
    ],
    related: ['nix-store', 'derivations'],
    links: [{ label: 'Nix manual', url: 'https://nix.dev/manual/nix/stable/' }],
  }),
  'evaluation-errors': entry({
    id: 'evaluation-errors',
    title: 'Evaluation errors',
    summary: 'An evaluation error means the configuration could not be read or does not fit the options.',
    paragraphs: [
      'Before building anything, Nix reads (evaluates) your configuration. A typo, a missing semicolon or an option that does not exist stops it there, with a file and line number.',
      'Nothing on your system changes when evaluation fails. Open the file at the line given, fix it, and rebuild.',
      '"The option … does not exist" usually means a misspelled name or an option from a newer release: search for it to see the right name.',
    ],
    related: ['configuration', 'search', 'build-errors'],
    links: [{ label: 'nix.dev: Nix language basics', url: 'https://nix.dev/tutorials/nix-language' }],
  }),
  'build-errors': entry({
    id: 'build-errors',
    title: 'Build errors',
    summary: 'A build error means one package failed to build; your running system is unchanged.',
    paragraphs: [
      'After evaluation, Nix downloads or builds every package the new system needs. If one fails, the rebuild stops and the current system keeps running.',
      'The log shows which package failed. Often it is marked broken on your release, or needs more disk space or memory.',
    ],
    related: ['derivations', 'evaluation-errors'],
    links: [{ label: 'Wiki: troubleshooting', url: 'https://wiki.nixos.org/wiki/Nixos-rebuild' }],
  }),
  permissions: entry({
    id: 'permissions',
    title: 'Administrator rights',
    summary: 'Changing the system needs administrator rights; the app asks for your password only then.',
    paragraphs: [
      'Rebuilding, rolling back, changing channels and writing /etc/nixos need root. The app asks through the system’s password prompt (polkit) for exactly that step.',
      'If you cancel the prompt, nothing is changed. If you are told you are not allowed, your account is not an administrator (not in the "wheel" group).',
      'Home Manager and searching need no administrator rights.',
    ],
    related: ['configuration', 'home-manager'],
    links: [{ label: 'NixOS manual: user management', url: 'https://nixos.org/manual/nixos/stable/#sec-user-management' }],
  }),
  network: entry({
    id: 'network',
    title: 'Downloads and caches',
    summary: 'Nix downloads packages from a binary cache; without a connection it has to build or stop.',
    paragraphs: [
      'Most packages are downloaded ready-made from cache.nixos.org. Channels, package lists and installer images come from channels.nixos.org and releases.nixos.org.',
      'When a download fails, check the connection and try again. Anything already downloaded stays in the store.',
    ],
    related: ['nix-store', 'channels-vs-flakes'],
    links: [{ label: 'NixOS status', url: 'https://status.nixos.org/' }],
  }),
  search: entry({
    id: 'search',
    title: 'Packages and options',
    summary: 'Packages are programs you install; options are the settings of your system.',
    paragraphs: [
      'A package, such as firefox, is installed by adding it to environment.systemPackages (for everyone) or home.packages (just you, with Home Manager).',
      'Many programs also have a module with options, such as programs.firefox.enable or services.openssh.enable. Enabling the module installs the program and sets it up, which is usually better than just installing it.',
      'The app’s search works offline from the package and option lists of your channel; refresh them after you change channels.',
    ],
    related: ['configuration', 'home-manager'],
    links: [
      { label: 'Package search on the web', url: 'https://search.nixos.org/packages' },
      { label: 'Option search on the web', url: 'https://search.nixos.org/options' },
    ],
  }),
  closure: entry({
    id: 'closure',
    title: 'Closures',
    summary: 'A closure is a package together with everything it needs to run, all the way down.',
    paragraphs: [
      'Firefox needs libraries, which need other libraries, and so on. Nix records these references exactly, so it knows the whole set: that set is the closure.',
      'A NixOS system is one closure: every program, library and configuration file it uses. Its closure size is how much of the store it takes, counting what it shares with other generations.',
      'Comparing two closures shows exactly which packages changed between two generations, which is what the app’s Compare does.',
    ],
    related: ['nix-store', 'generations', 'garbage-collection'],
    links: [{ label: 'Nix manual: closures', url: 'https://nix.dev/manual/nix/stable/glossary.html' }],
  }),
  specialisations: entry({
    id: 'specialisations',
    title: 'Specialisations',
    summary: 'A specialisation is a variant of a generation, such as the same system with another desktop or without a graphics driver.',
    paragraphs: [
      'A configuration can declare specialisations (specialisation.<name>.configuration). Each rebuild then builds the main system and every variant, and the boot menu lists them under the generation.',
      'Switching to a specialisation activates that variant now without changing the boot default: the next boot starts the main system again unless you pick the variant in the boot menu.',
    ],
    related: ['generations', 'configuration'],
    links: [{ label: 'NixOS manual: specialisations', url: 'https://nixos.org/manual/nixos/stable/options#opt-specialisation' }],
  }),
  'dry-build': entry({
    id: 'dry-build',
    title: 'Build, dry build, test and boot',
    summary: 'The ways to rebuild: try a configuration without keeping it, or keep it without running it yet.',
    paragraphs: [
      'Dry build only evaluates your configuration and lists what would have to be built or downloaded: nothing is built, nothing changes. It is the quickest check that the configuration makes sense.',
      'Build builds everything but changes nothing. Test builds and runs the new system now without making it the boot default, so a restart goes back. Boot makes it the boot default without running it until the next restart. Switch does both.',
    ],
    related: ['configuration', 'generations', 'rollback'],
    links: [{ label: 'NixOS manual: changing the configuration', url: 'https://nixos.org/manual/nixos/stable/#sec-changing-config' }],
  }),
  booted: entry({
    id: 'booted',
    title: 'Running, booted and the boot default',
    summary: 'Three generations matter at any time: the one the computer started with, the one running now, and the one it starts next.',
    paragraphs: [
      'Booted is the generation the computer started with. Running is the one active now: a switch, a test or a rollback changes it without a restart. The boot default is what starts at the next boot.',
      'After a switch, running and booted differ, which is normal. Only when the kernel or systemd changed does a restart matter: the app says so when it does.',
    ],
    related: ['generations', 'rollback', 'dry-build'],
    links: [{ label: 'NixOS manual: rolling back', url: 'https://nixos.org/manual/nixos/stable/#sec-rollback' }],
  }),
};

export function learnEntries() {
  return { entries: Object.values(entries), resources };
}
