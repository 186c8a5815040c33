import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findTerminal, KNOWN_TERMINALS, shellQuote } from '../../electron/services/desktop/terminal';

const command = ['nix-shell', '-p', 'hello'];

/** A PATH folder holding executables with these names (empty scripts: nothing is run but gsettings). */
function bin(names: string[], scripts: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nc-term-'));
  mkdirSync(dir, { recursive: true });
  for (const name of names) {
    writeFileSync(path.join(dir, name), scripts[name] ?? '#!/bin/sh\nexit 0\n');
    chmodSync(path.join(dir, name), 0o755);
  }
  return dir;
}

describe('findTerminal', () => {
  it('gives each known terminal the command its own way', async () => {
    const expected: Record<string, string[]> = {
      kgx: ['--', ...command],
      'gnome-terminal': ['--', ...command],
      konsole: ['-e', ...command],
      'xfce4-terminal': ['-x', ...command],
      alacritty: ['-e', ...command],
      kitty: command,
      foot: command,
      wezterm: ['start', '--', ...command],
      xterm: ['-e', ...command],
    };
    expect(Object.keys(expected).sort()).toEqual([...KNOWN_TERMINALS].sort());
    for (const [name, args] of Object.entries(expected)) {
      const dir = bin([name]);
      expect(await findTerminal(command, { PATH: dir })).toEqual({ name, argv: [path.join(dir, name), ...args] });
    }
  });

  it('looks where desktops look, in order: xdg-terminal-exec, $TERMINAL, x-terminal-emulator, GNOME, then the list', async () => {
    const all = bin(['xdg-terminal-exec', 'x-terminal-emulator', 'foot', 'xterm']);
    expect(await findTerminal(command, { PATH: all, TERMINAL: 'foot' })).toEqual({ name: 'xdg-terminal-exec', argv: [path.join(all, 'xdg-terminal-exec'), ...command] });
    const noXdg = bin(['x-terminal-emulator', 'foot', 'xterm']);
    expect(await findTerminal(command, { PATH: noXdg, TERMINAL: 'foot' })).toEqual({ name: 'foot', argv: [path.join(noXdg, 'foot'), ...command] });
    // an unknown $TERMINAL gets -e, as $TERMINAL launchers expect
    const custom = bin(['myterm', 'xterm']);
    expect(await findTerminal(command, { PATH: custom, TERMINAL: 'myterm' })).toEqual({ name: 'myterm', argv: [path.join(custom, 'myterm'), '-e', ...command] });
    // a $TERMINAL that is not there is passed over
    expect((await findTerminal(command, { PATH: noXdg, TERMINAL: 'nosuchterm' }))?.name).toBe('x-terminal-emulator');
    expect((await findTerminal(command, { PATH: noXdg }))?.argv).toEqual([path.join(noXdg, 'x-terminal-emulator'), '-e', ...command]);
  });

  it("takes GNOME's default terminal from gsettings (org.gnome.desktop.default-applications.terminal)", async () => {
    const gsettings = `#!/bin/sh\n[ "$2" = org.gnome.desktop.default-applications.terminal ] || exit 1\ncase "$3" in exec) echo "'konsole'";; exec-arg) echo "'-x'";; esac\n`;
    const dir = bin(['gsettings', 'konsole', 'xterm'], { gsettings });
    expect(await findTerminal(command, { PATH: dir })).toEqual({ name: 'konsole', argv: [path.join(dir, 'konsole'), '-e', ...command] });
    // an unknown one is given the exec-arg GNOME stores with it
    const other = `#!/bin/sh\ncase "$3" in exec) echo "'tilix'";; exec-arg) echo "'-x'";; esac\n`;
    const dir2 = bin(['gsettings', 'tilix', 'xterm'], { gsettings: other });
    expect(await findTerminal(command, { PATH: dir2 })).toEqual({ name: 'tilix', argv: [path.join(dir2, 'tilix'), '-x', ...command] });
    // gsettings naming a terminal that is not installed: the list goes on
    const dir3 = bin(['gsettings', 'xterm'], { gsettings: other });
    expect((await findTerminal(command, { PATH: dir3 }))?.name).toBe('xterm');
  });

  it('nothing to open: null', async () => {
    expect(await findTerminal(command, { PATH: bin([]) })).toBeNull();
  });
});

describe('shellQuote', () => {
  it('quotes only what a shell would split or expand', () => {
    expect(['nix', '--extra-experimental-features', 'nix-command flakes', 'shell', 'nixpkgs#hello'].map(shellQuote).join(' ')).toBe("nix --extra-experimental-features 'nix-command flakes' shell nixpkgs#hello");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
  });
});
