import { readFileSync } from 'node:fs';
import { brotliDecompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { homeFormSchema, homePrograms, homeShells, type HomeForm } from '../../shared/contract/home';
import { generateHomeNix } from '../../electron/services/home/generator';
import { formatGenerationLine, sortLikeHomeManager, splitName } from '../../electron/services/home/generations';
import { afterFailure, nixErrorLine, parseClobbered, parseUnreadNews, PlainBuildProgress } from '../../electron/services/home/switch';
import { englishMessages, explainSearchPathError, withUserChannels } from '../../electron/services/home/command';
import { daysAgo } from '../../electron/services/home/cleanup';
import { parseNewsText } from '../../electron/services/home/news';
import { releaseFromUrl } from '../../electron/services/home/channels';
import { matchingBranch, releaseFromNixosVersion } from '../../electron/services/home/status';
import { sharedData } from '../support/nix.mjs';

const options = JSON.parse(brotliDecompressSync(readFileSync(sharedData('home-manager-options.json.br'))).toString()) as Record<string, { type: string }>;
const stateVersions = [...options['home.stateVersion']!.type.matchAll(/"(\d{2}\.\d{2})"/g)].map((m) => m[1]!);

const fullForm = (release: string): HomeForm => ({
  username: 'alice',
  homeDirectory: '/home/alice',
  stateVersion: release,
  packages: ['ripgrep', 'python3Packages.black', 'ripgrep'],
  git: { enable: true, name: 'Alice "A" Liddell', email: 'alice@example.org' },
  shell: 'zsh',
  programs: [...homePrograms],
  release,
});

describe('home.nix generator', () => {
  it('emits only options that exist in home-manager’s options, for every release the data covers', () => {
    expect(stateVersions).toContain('24.11');
    for (const release of stateVersions.filter((v) => v >= '22.05')) {
      for (const shell of homeShells) {
        const { options: used } = generateHomeNix({ ...fullForm(release), shell });
        const missing = used.filter((o) => !(o in options));
        expect(missing, `release ${release}, shell ${shell}`).toEqual([]);
      }
    }
  });

  it('sets home.stateVersion to a value home-manager accepts, and comments every part', () => {
    const { content } = generateHomeNix(fullForm('24.11'));
    const value = /home\.stateVersion = "([^"]+)";/.exec(content)![1]!;
    expect(stateVersions).toContain(value);
    expect(content).toContain('# Let Home Manager install and manage itself');
    expect(content).toContain('userName = "Alice \\"A\\" Liddell";');
    expect(content.match(/^\s+ripgrep$/gm)).toHaveLength(1);
    expect(content).toContain('    python3Packages.black\n');
  });

  it('uses the 25.11 git option names from 25.11 on', () => {
    const { options: used, content } = generateHomeNix(fullForm('25.11'));
    expect(used).toContain('programs.git.settings.user.name');
    expect(content).toContain('settings.user.email = "alice@example.org";');
    expect(used).not.toContain('programs.git.userName');
  });

  it('the form schema refuses Nix injection', () => {
    expect(homeFormSchema.safeParse({ ...fullForm('24.11'), packages: ['hello; }'] }).success).toBe(false);
    expect(homeFormSchema.safeParse({ ...fullForm('24.11'), homeDirectory: '/home/${x}' }).success).toBe(false);
    expect(homeFormSchema.safeParse({ ...fullForm('24.11'), git: { enable: true, name: 'a"b', email: '' } }).success).toBe(false);
    expect(homeFormSchema.safeParse({ ...fullForm('24.11'), extra: 1 }).success).toBe(false);
  });
});

describe('home-manager output parsers', () => {
  it('recognises every wording of the clobber failure', () => {
    const lines = [
      "Existing file '/home/alice/.bashrc' is in the way of '/nix/store/0a9dbwz9a6x1g0cl1rn1a1sg1bhlla4b-home-manager-files/.bashrc'",
      "Existing file '/home/alice/.profile' is in the way of '/nix/store/0a9dbwz9a6x1g0cl1rn1a1sg1bhlla4b-home-manager-files/.profile', will be moved to '/home/alice/.profile.bak'",
      "Existing file '/home/alice/.zshrc' would be clobbered",
      "Existing file '/home/alice/.gitconfig.backup' would be clobbered by backing up '/home/alice/.gitconfig'",
      "\u001b[1;31mExisting file '/home/alice/.config/x y' would be clobbered\u001b[0m",
    ];
    expect(parseClobbered(lines)).toEqual([
      { path: '/home/alice/.bashrc', backupInTheWay: null },
      { path: '/home/alice/.zshrc', backupInTheWay: null },
      { path: '/home/alice/.gitconfig', backupInTheWay: '/home/alice/.gitconfig.backup' },
      { path: '/home/alice/.config/x y', backupInTheWay: null },
    ]);
  });

  it('reads the news notice of old and new releases', () => {
    expect(parseUnreadNews(['There is an unread and relevant news item.'])).toBe(1);
    expect(parseUnreadNews(['There is 1 unread and relevant news item.'])).toBe(1);
    expect(parseUnreadNews(['There are 12 unread and relevant news items.'])).toBe(12);
    expect(parseUnreadNews(['nothing'])).toBeNull();
  });

  it('parses `home-manager news` text as build-news.nix lays it out', () => {
    const text = "* 2025-01-03 10:12:44 [unread]\n\n  A new module is available: 'programs.foo'.\n  \n  Use \\\"it\\\" with \\${pkgs.foo}.\n  \n\n* 2017-09-01 10:56:28 [read]\n\n  Hello! This is a news entry.\n  \n";
    const items = parseNewsText(text);
    expect(items.map((i) => [i.time, i.unread])).toEqual([
      ['2025-01-03 10:12:44', true],
      ['2017-09-01 10:56:28', false],
    ]);
    expect(items[0]!.message).toBe("A new module is available: 'programs.foo'.\n\nUse \"it\" with ${pkgs.foo}.");
    expect(items[0]!.id).toMatch(/^[0-9a-f]{16}$/);
  });

  it('counts plain nix-build progress', () => {
    const p = new PlainBuildProgress();
    for (const l of ['these 4 derivations will be built:', "building '/nix/store/aaaa-hello-2.12.drv'...", "building '/nix/store/bbbb-home-manager-files.drv'..."]) p.feed(l);
    expect(p.fraction()).toBe(0.5);
    p.feed('Starting Home Manager activation');
    expect(p.fraction()).toBeNull();
    expect(p.message()).toMatch(/Activating/);
  });

  it('splits names like Nix does', () => {
    expect(splitName('hello-2.12.1')).toEqual({ name: 'hello', version: '2.12.1' });
    expect(splitName('home-manager-path')).toEqual({ name: 'home-manager-path', version: null });
    expect(splitName('python3.12-black-24.1.0')).toEqual({ name: 'python3.12-black', version: '24.1.0' });
    expect(splitName('nerdfonts-3.2.1')).toEqual({ name: 'nerdfonts', version: '3.2.1' });
  });

  it('orders and prints generations like `home-manager generations`', () => {
    const mk = (n: number, minute: number) => ({ generation: n, link: `/p/home-manager-${n}-link`, storePath: `/nix/store/${'a'.repeat(32)}-home-manager-generation`, date: new Date(2024, 0, 4, 11, minute) });
    const sorted = sortLikeHomeManager([mk(9, 10), mk(10, 10), mk(8, 30)]);
    expect(sorted.map((l) => l.generation)).toEqual([8, 10, 9]);
    // within one millisecond ls still tells the links apart by their nanoseconds
    const base = BigInt(new Date(2024, 0, 4, 11, 10).getTime()) * 1_000_000n;
    const ns = sortLikeHomeManager([{ ...mk(1, 10), mtimeNs: base + 100n }, { ...mk(2, 10), mtimeNs: base + 900n }]);
    expect(ns.map((l) => l.generation)).toEqual([2, 1]);
    expect(formatGenerationLine({ ...mk(765, 56), current: true })).toBe(`2024-01-04 11:56 : id 765 -> /nix/store/${'a'.repeat(32)}-home-manager-generation (current)`);
  });

  it('maps releases to home-manager branches', () => {
    expect(releaseFromNixosVersion('24.11.716.5e4fbfb6b3de (Vicuna)')).toEqual({ release: '24.11', unstable: false, certain: true });
    expect(releaseFromNixosVersion('25.05pre712345.abcdef (Warbler)')).toEqual({ release: '25.05', unstable: true, certain: true });
    expect(releaseFromNixosVersion('25.11pre-git')).toEqual({ release: '25.11', unstable: true, certain: true });
    // built from a flake: YY.MM.YYYYMMDD.rev on stable and unstable alike
    expect(releaseFromNixosVersion('25.11.20251201.abcdef1 (Xantusia)')).toEqual({ release: '25.11', unstable: false, certain: false });
    expect(releaseFromNixosVersion('25.05.20250108.2d9e445 (Warbler)')).toEqual({ release: '25.05', unstable: true, certain: true });
    expect(matchingBranch({ release: '25.11', unstable: false, certain: false })).toBeNull();
    expect(matchingBranch({ release: '24.11', unstable: false })).toBe('release-24.11');
    expect(matchingBranch({ release: '25.05', unstable: true })).toBe('master');
    expect(releaseFromUrl('https://github.com/nix-community/home-manager/archive/release-24.11.tar.gz')).toBe('release-24.11');
    expect(releaseFromUrl('https://github.com/nix-community/home-manager/archive/master.tar.gz')).toBe('master');
    expect(releaseFromUrl('https://nixos.org/channels/nixos-24.05')).toBe('24.05');
    expect(releaseFromUrl('https://nixos.org/channels/nixpkgs-unstable')).toBe('unstable');
  });

  it('puts the user’s channels first on NIX_PATH, once', () => {
    const root = 'nixpkgs=/nix/var/nix/profiles/per-user/root/channels/nixos:nixos-config=/etc/nixos/configuration.nix:/nix/var/nix/profiles/per-user/root/channels';
    const mine = '/nix/var/nix/profiles/per-user/alice/channels';
    expect(withUserChannels(root, mine, '/home/alice')).toBe(`${mine}:${root}`);
    expect(withUserChannels(`/home/alice/.nix-defexpr/channels:${root}`, mine, '/home/alice')).toBe(`/home/alice/.nix-defexpr/channels:${root}`);
    expect(withUserChannels(`${mine}/:${root}`, mine, '/home/alice')).toBe(`${mine}/:${root}`);
    // no NIX_PATH: Nix's own default already starts with ~/.nix-defexpr/channels
    expect(withUserChannels(undefined, mine, '/home/alice')).toBeUndefined();
  });

  it('asks for English messages and keeps the rest of the locale', () => {
    expect(englishMessages({ LANG: 'de_DE.UTF-8' })).toEqual({ LC_MESSAGES: 'C', LANGUAGE: undefined });
    const all = englishMessages({ LC_ALL: 'de_DE.UTF-8', LANGUAGE: 'de' });
    expect(all).toMatchObject({ LC_ALL: undefined, LC_MESSAGES: 'C', LANGUAGE: undefined, LC_CTYPE: 'de_DE.UTF-8', LC_TIME: 'de_DE.UTF-8' });
  });

  it('explains search path errors in words', () => {
    const err = "error: file 'home-manager' was not found in the Nix search path (add it using $NIX_PATH or -I)";
    expect(explainSearchPathError(err, { homeManagerChannelDownloaded: false, channelsDir: '/c' })).toMatch(/not downloaded\. Retry from “Download the channel”/);
    expect(explainSearchPathError(err, { homeManagerChannelDownloaded: true, channelsDir: '/c' })).toMatch(/is downloaded \(in \/c\).*log out and in again/);
    expect(explainSearchPathError("error: file 'nixpkgs' was not found in the Nix search path", { homeManagerChannelDownloaded: true, channelsDir: '/c' })).toMatch(/no channel called nixpkgs and root has no nixos channel/);
    expect(explainSearchPathError('error: something else', { homeManagerChannelDownloaded: true, channelsDir: '/c' })).toBeNull();
  });

  it('finds Nix’s innermost error line (2.8 and 2.26 layouts)', () => {
    expect(nixErrorLine(["error: undefined variable 'x'", '       at /a.nix:1:1:'])).toBe("undefined variable 'x'");
    expect(nixErrorLine(['error:', '       … while calling the \'derivationStrict\' builtin', "       error: undefined variable 'x'"])).toBe("undefined variable 'x'");
    expect(nixErrorLine(['nothing wrong'])).toBeNull();
  });

  it('says what a failed switch left behind', () => {
    expect(afterFailure(4, 4, null)).toBe('Generation 4 is still the active one.');
    expect(afterFailure(null, null, null)).toBe('Nothing was activated.');
    expect(afterFailure(2, 3, { recorded: 3, filesOf: 2 })).toMatch(/^The profile records generation 3, but your files are still generation 2’s .* Retry with a backup, or roll back\.$/);
    expect(afterFailure(null, 1, { recorded: 1, filesOf: null })).toMatch(/generation 1, but it was never activated/);
  });

  it('counts days back like `date -d "-D days"` (calendar days, same wall-clock time)', () => {
    const now = new Date(2025, 2, 31, 12, 0, 0);
    expect(daysAgo(now, 30)).toEqual(new Date(2025, 2, 1, 12, 0, 0));
    expect(daysAgo(now, 1)).toEqual(new Date(2025, 2, 30, 12, 0, 0));
  });
});
