import { describe, expect, it } from 'vitest';
import { addOption, addPackage, codeOnly, packageReference } from '../../electron/services/search/config-edit';

const config = `{ config, pkgs, ... }:

{
  # environment.systemPackages = [ commented ];
  environment.systemPackages = with pkgs; [
    git # version control
    (python3.withPackages (ps: [ ps.numpy ]))
    vim
  ];
  services.x.text = ''
    environment.systemPackages = in a string ]; ''\${x}
  '';
}
`;

describe('adding a package', () => {
  it('inserts into a multi-line list, keeping indentation and comments', () => {
    const r = addPackage(config, 'ripgrep', 'environment.systemPackages');
    expect(r.status).toBe('ready');
    if (r.status === 'ready') expect(r.text).toBe(config.replace('    vim\n  ];', '    vim\n    ripgrep\n  ];'));
  });

  it('knows what is already there, including inside with pkgs', () => {
    expect(addPackage(config, 'git', 'environment.systemPackages').status).toBe('already');
    expect(addPackage('{ pkgs, ... }: { environment.systemPackages = [ pkgs.git ]; }', 'git', 'environment.systemPackages').status).toBe('already');
  });

  it('inserts into one-line and empty lists', () => {
    const one = addPackage('{ pkgs, ... }: { environment.systemPackages = [ pkgs.git ]; }', 'fd', 'environment.systemPackages');
    expect(one).toMatchObject({ status: 'ready', text: '{ pkgs, ... }: { environment.systemPackages = [ pkgs.git pkgs.fd ]; }' });
    const empty = addPackage('{ pkgs, ... }: { home.packages = with pkgs; []; }', 'fd', 'home.packages');
    expect(empty).toMatchObject({ status: 'ready', text: '{ pkgs, ... }: { home.packages = with pkgs; [ fd ]; }' });
  });

  it('adds a list when there is none, and refuses layouts it cannot change safely', () => {
    const fresh = addPackage('{ pkgs, ... }:\n{\n  home.username = "a";\n}\n', 'fd', 'home.packages');
    expect(fresh).toMatchObject({ status: 'ready', text: '{ pkgs, ... }:\n{\n  home.username = "a";\n  home.packages = with pkgs; [\n    fd\n  ];\n}\n' });
    expect(addPackage('{ pkgs, ... }: { environment.systemPackages = with pkgs; [ git ] ++ extra; }', 'fd', 'environment.systemPackages').message).toMatch(/\+\+/);
    expect(addPackage('{ pkgs, lib, ... }: { environment.systemPackages = lib.mkIf true [ ]; }', 'fd', 'environment.systemPackages').message).toMatch(/computed/);
    expect(addPackage('{ pkgs, ... }: { environment = { systemPackages = [ ]; }; }', 'fd', 'environment.systemPackages').message).toMatch(/block/);
    expect(addPackage('{ config, ... }: { }', 'fd', 'environment.systemPackages').message).toMatch(/pkgs/);
    expect(addPackage('{ pkgs, ... }: { a = [ ]; a = [ ]; environment.systemPackages = [ ]; environment.systemPackages = [ ]; }', 'fd', 'environment.systemPackages').message).toMatch(/more than one/);
  });

  it('quotes attribute names that are not identifiers', () => {
    expect(packageReference('2048-in-terminal', true)).toBe('pkgs."2048-in-terminal"');
    expect(packageReference('python313Packages.numpy', true)).toBe('python313Packages.numpy');
  });
});

describe('setting an option', () => {
  it('adds the line before the closing brace, re-indenting a multi-line value', () => {
    const r = addOption(config, 'services.nginx.virtualHosts', '{\n  "a" = { root = "/srv"; };\n};\n');
    expect(r.status).toBe('ready');
    if (r.status === 'ready') expect(r.text.endsWith('  \'\';\n  services.nginx.virtualHosts = {\n    "a" = { root = "/srv"; };\n  };\n}\n')).toBe(true);
  });
  it('does not set what is set already or lives in a block', () => {
    expect(addOption('{ ... }: { services.openssh.enable = true; }', 'services.openssh.enable', 'true').status).toBe('already');
    expect(addOption('{ ... }: { services.openssh = { enable = true; }; }', 'services.openssh.ports', '[ 22 ]').status).toBe('manual');
    expect(addOption('{ ... }: { }', 'users.users.<name>.shell', 'pkgs.zsh').status).toBe('manual');
  });
});

describe('code-only view', () => {
  it('blanks comments and strings but keeps antiquotations as code', () => {
    const code = codeOnly('a = "x ${b} y"; # c\n/* d */ e = \'\'f ${g}\'\';');
    expect(code).toContain('${b}');
    expect(code).toContain('${g}');
    expect(code).not.toMatch(/[xcdf]/);
    expect(code.length).toBe('a = "x ${b} y"; # c\n/* d */ e = \'\'f ${g}\'\';'.length);
  });
});
