import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNixErrorText } from '../../electron/services/system/nix-log';
import { placeNixError } from '../../electron/services/system/nix-syntax';
import { tempDir, testApp } from '../helpers/app';
import { nixEnvFor, nixVariants } from '../support/nix.mjs';

/**
 * Syntax errors as the configuration editor shows them, from the real `nix-instantiate --parse` of both Nix
 * versions under test: a missing `;` is placed at the end of the line that lacks it, not at the next token
 * where Nix stops; other errors keep Nix's words, with columns in characters (Nix counts bytes).
 */

// The shape of a newcomer's configuration.nix, with line 18 missing its `;` and a comment before the next option.
const newcomer = [
  '{ config, pkgs, ... }:', //                                   1
  '',
  '{',
  '  imports = [ ./hardware-configuration.nix ];',
  '',
  '  boot.loader.systemd-boot.enable = true;',
  '  boot.loader.efi.canTouchEfiVariables = true;',
  '',
  '  networking.hostName = "nixbox";',
  '  networking.networkmanager.enable = true;', //               10
  '',
  '  time.timeZone = "Europe/Amsterdam";',
  '  i18n.defaultLocale = "en_US.UTF-8";',
  '',
  '  users.users.alice = {',
  '    isNormalUser = true;',
  '    extraGroups = [ "wheel" "networkmanager" ];',
  '  } # alice can use sudo', //                                  18
  '',
  '  # Enable the OpenSSH daemon.',
  '  services.openssh.enable = true;', //                          21
  '',
  '  system.stateVersion = "24.11";',
  '}',
  '',
].join('\n');

const cases: { name: string; source: string; line: number; column: number; message: RegExp | string }[] = [
  { name: 'a newcomer’s file: the `;` after an attribute set, before a comment and the next option', source: newcomer, line: 18, column: 4, message: 'Line 18 is missing a `;` at its end (Nix stopped at `=` on line 21).' },
  { name: 'before a closing brace', source: '{ a = 1\n}\n', line: 1, column: 8, message: 'Line 1 is missing a `;` at its end (Nix stopped at `}` on line 2).' },
  { name: 'before `in`, past a trailing and a whole-line comment', source: 'let\n  a = 1 # one\n  # b is next\n  /* block */\nin a\n', line: 2, column: 8, message: 'Line 2 is missing a `;` at its end (Nix stopped at `in` on line 5).' },
  { name: 'before a dotted path with a quoted part', source: '{\n  x = "a";\n  networking.hostName = "n"\n  services."foo-bar".enable = true;\n}\n', line: 3, column: 28, message: /^Line 3 is missing a `;` at its end/ },
  { name: 'after a string holding # and ;', source: '{\n  a = "x # not a comment ;"\n  b = 1;\n}\n', line: 2, column: 28, message: /^Line 2 is missing a `;` at its end/ },
  { name: 'after an indented string', source: "{\n  a = ''\n    b = 1;\n  ''\n  c = 2;\n}\n", line: 4, column: 5, message: /^Line 4 is missing a `;` at its end/ },
  { name: 'after a list on the same line, past non-ASCII text (Nix counts bytes)', source: '{ a = "éé"; b = [ 1 ] c = 2; }', line: 1, column: 22, message: 'Line 1 is missing a `;` after `]` (Nix stopped at `=`).' },
  { name: 'after a path', source: '{\n  imports = ./hardware.nix\n  b = 1;\n}\n', line: 2, column: 27, message: /^Line 2 is missing a `;` at its end/ },
  { name: 'at the end of the file', source: 'let a = 1', line: 1, column: 10, message: 'Line 1 is missing a `;` at its end (Nix stopped at the end of the file).' },
];

describe.each(nixVariants())('syntax errors placed for a person ($name)', (variant) => {
  let app: Awaited<ReturnType<typeof testApp>>;
  let dir: string;
  beforeAll(async () => {
    dir = tempDir('nc-syntax-');
    app = await testApp({ nixosConfigDir: dir, commands: variant.commands });
  });
  afterAll(async () => app?.dispose());

  for (const c of cases) {
    it(`a missing \`;\` ${c.name}`, async () => {
      const r = await app.call('system.config.parse', { content: c.source });
      expect(r.ok).toBe(false);
      expect(r.errors).toHaveLength(1);
      expect({ line: r.errors[0]!.line, column: r.errors[0]!.column }).toEqual({ line: c.line, column: c.column });
      if (typeof c.message === 'string') expect(r.errors[0]!.message).toBe(c.message);
      else expect(r.errors[0]!.message).toMatch(c.message);
    });
  }

  it('keeps other errors where Nix puts them, with the column in characters', async () => {
    const r = await app.call('system.config.parse', { content: '{ a = "é"; b = [ 1 2\n}\n' });
    expect(r.errors).toEqual([{ line: 2, column: 1, message: "syntax error, unexpected '}'" }]);
    const bytes = await app.call('system.config.parse', { content: '{ a = "éé"; b = ]; }' });
    // Nix says column 19 (bytes); the `]` is the 17th character
    expect(bytes.errors[0]).toMatchObject({ line: 1, column: 17 });
    expect(bytes.errors[0]!.message).toMatch(/^syntax error, unexpected '\]'/);
  });

  it('places a build error’s location and headline the same way (the file read from disk)', async () => {
    const file = path.join(dir, 'configuration.nix');
    writeFileSync(file, newcomer);
    const r = spawnSync(path.join(variant.bin, 'nix-instantiate'), ['--parse', file], { env: nixEnvFor(variant.bin), encoding: 'utf8' });
    const nixError = parseNixErrorText(r.stderr)!;
    expect(nixError.location).toEqual({ file, line: 21, column: 27 });
    const placed = await placeNixError(nixError);
    expect(placed.location).toEqual({ file, line: 18, column: 4 });
    expect(placed.summary).toBe('a `;` is missing at the end of a line');
    // Nix's own text stays as it was, for the details
    expect(placed.text).toBe(nixError.text);
    // an error that is not about a missing `;` is left alone
    writeFileSync(file, '{ b = [ 1 2\n}\n');
    const other = parseNixErrorText(spawnSync(path.join(variant.bin, 'nix-instantiate'), ['--parse', file], { env: nixEnvFor(variant.bin), encoding: 'utf8' }).stderr)!;
    expect(await placeNixError(other)).toEqual(other);
  });
});
