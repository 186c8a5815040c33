import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { INSTALLED_HELPER } from '../../electron/services/desktop/helper-path';
import { tempDir } from '../helpers/app';

/** Packaging, checked with the real tools: nix's parser, desktop-file-validate, xmllint, electron-builder's own validation. */

const root = path.resolve(import.meta.dirname, '../..');
const requireFromRoot = createRequire(path.join(root, 'package.json'));

function nixFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir, { withFileTypes: true })) {
    if (['node_modules', 'dist', '.git', 'release', 'test-results'].includes(name.name)) continue;
    const p = path.join(dir, name.name);
    if (name.isDirectory()) nixFiles(p, out);
    else if (name.name.endsWith('.nix')) out.push(p);
  }
  return out;
}

function parseDesktopFile(text: string): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z][A-Za-z0-9-]*)=(.*)$/.exec(line);
    if (m) entries[m[1]!] = m[2]!;
  }
  return entries;
}

async function validateBuilderConfig(projectDir: string, configPath: string) {
  const { getConfig, validateConfiguration } = requireFromRoot('app-builder-lib/out/util/config/config');
  const { DebugLogger } = requireFromRoot('builder-util');
  const config = await getConfig(projectDir, configPath, null);
  await validateConfiguration(config, new DebugLogger(false));
  return config as Record<string, any>;
}

describe('Nix files', () => {
  const files = [...nixFiles(path.join(root, 'nix')), path.join(root, 'flake.nix')];

  it('the flake, the package, the module and the dev shell exist', () => {
    for (const f of ['flake.nix', 'nix/package.nix', 'nix/module.nix', 'nix/shell.nix']) expect(existsSync(path.join(root, f)), f).toBe(true);
  });

  it.each(files.map((f) => [path.relative(root, f)]))('%s parses with nix-instantiate --parse', (rel) => {
    const r = spawnSync('nix-instantiate', ['--parse', path.join(root, rel)], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('the parser really rejects broken Nix (the check above is not vacuous)', () => {
    const dir = tempDir('nc-nix-');
    writeFileSync(path.join(dir, 'bad.nix'), '{ a = 1; b = ; }');
    const r = spawnSync('nix-instantiate', ['--parse', path.join(dir, 'bad.nix')], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/syntax error/);
  });

  it('the module defines programs.nixos-companion.enable and installs the package; the package wraps nixpkgs electron and installs helper + policy', () => {
    // Evaluated with real nix: the module is applied to a minimal stand-in of the NixOS module system's arguments.
    const expr = `
      let
        self = { packages.x86_64-linux.default = "PKG"; };
        module = import ${path.join(root, 'nix/module.nix')} self;
        lib = {
          mkEnableOption = d: { _type = "option"; description = d; };
          mkOption = o: o // { _type = "option"; };
          types.package = "package";
          literalExpression = t: t;
          mkIf = c: v: if c then v else {};
        };
        evaluated = module { inherit lib; pkgs = { stdenv.hostPlatform.system = "x86_64-linux"; }; config.programs.nixos-companion = { enable = true; package = "PKG"; }; };
      in {
        options = builtins.attrNames evaluated.options.programs.nixos-companion;
        packages = evaluated.config.environment.systemPackages;
        polkit = evaluated.config.security.polkit.enable;
      }`;
    const out = JSON.parse(execFileSync('nix-instantiate', ['--eval', '--strict', '--json', '-E', expr], { encoding: 'utf8' }));
    expect(out).toEqual({ options: ['enable', 'package'], packages: ['PKG'], polkit: true });

    const pkg = readFileSync(path.join(root, 'nix/package.nix'), 'utf8');
    expect(pkg).toMatch(/buildNpmPackage/);
    expect(pkg).toMatch(/makeWrapper \$\{lib\.getExe electron\} \$out\/bin\/nixos-companion/);
    expect(pkg).toMatch(/ELECTRON_RUN_AS_NODE 1/);
    expect(pkg).toMatch(/share\/polkit-1\/actions\/org\.nixos\.companion\.policy/);
    expect(pkg).toContain(`--replace-fail ${INSTALLED_HELPER} $helper`);
    const shell = readFileSync(path.join(root, 'nix/shell.nix'), 'utf8');
    for (const p of ['nodejs_20', 'electron', 'chromium', 'nix']) expect(shell).toMatch(new RegExp(`pkgs\\.${p}\\b`));
    expect(shell).toMatch(/ELECTRON_OVERRIDE_DIST_PATH = "\$\{pkgs\.electron\}\/bin"/);
  });
});

describe('npm dependencies for the Nix package (importNpmLock, no hash to keep up to date)', () => {
  it('the package takes its npm dependencies from importNpmLock, not a fixed-output hash', () => {
    const pkg = readFileSync(path.join(root, 'nix/package.nix'), 'utf8');
    expect(pkg).not.toMatch(/npmDepsHash\s*=|fakeHash/);
    expect(pkg).toMatch(/npmDeps = importNpmLock \{/);
    expect(pkg).toMatch(/npmConfigHook = importNpmLock\.npmConfigHook;/);
    expect(pkg).toMatch(/ELECTRON_SKIP_BINARY_DOWNLOAD = "1"/);
  });

  it('every package of package-lock.json gets the registry address importNpmLock fetches, keeping its integrity hash (evaluated by real nix)', () => {
    const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; integrity?: string; resolved?: string }> };
    const out = JSON.parse(
      execFileSync('nix-instantiate', ['--eval', '--strict', '--json', '-E', `(import ${path.join(root, 'nix/npm-lock.nix')} { lockFile = ${path.join(root, 'package-lock.json')}; }).packages`], {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      }),
    ) as typeof lock.packages;
    expect(Object.keys(out).sort()).toEqual(Object.keys(lock.packages).sort());
    for (const [key, module] of Object.entries(lock.packages)) {
      if (key === '') {
        expect(out[key]!.resolved).toBeUndefined();
        continue;
      }
      const name = key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
      const base = name.split('/').at(-1);
      expect(out[key], key).toEqual({ ...module, resolved: module.resolved ?? `https://registry.npmjs.org/${name}/-/${base}-${module.version}.tgz` });
      expect(module.integrity, key).toMatch(/^sha512-/);
    }
    // the shapes npm itself uses for a scoped, a plain and a nested package
    expect(out['node_modules/@babel/code-frame']!.resolved).toBe(`https://registry.npmjs.org/@babel/code-frame/-/code-frame-${lock.packages['node_modules/@babel/code-frame']!.version}.tgz`);
    expect(out['node_modules/zod']!.resolved).toBe(`https://registry.npmjs.org/zod/-/zod-${lock.packages['node_modules/zod']!.version}.tgz`);
    const nested = Object.keys(lock.packages).find((k) => k.split('node_modules/').length > 2)!;
    expect(out[nested]!.resolved).toMatch(new RegExp(`/${nested.split('node_modules/').at(-1)!.replace(/[/.]/g, '\\$&')}/-/`));
  });
});

describe('.desktop entry', () => {
  const file = path.join(root, 'build/nixos-companion.desktop');

  it('passes desktop-file-validate with no errors or warnings', () => {
    const r = spawnSync('desktop-file-validate', [file], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('desktop-file-validate really complains about a broken entry', () => {
    const dir = tempDir('nc-desktop-');
    writeFileSync(path.join(dir, 'bad.desktop'), '[Desktop Entry]\nType=Application\nExec=x\nVersion=9\n');
    const r = spawnSync('desktop-file-validate', [path.join(dir, 'bad.desktop')], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stdout).toMatch(/Name/);
  });

  it('matches what electron-builder writes into the AppImage and deb', async () => {
    const entry = parseDesktopFile(readFileSync(file, 'utf8'));
    const config = await validateBuilderConfig(root, 'build/electron-builder.yml');
    const builderEntry = config.linux.desktop.entry as Record<string, string>;
    for (const key of Object.keys(builderEntry)) expect(builderEntry[key], key).toBe(entry[key]);
    expect(entry.Icon).toBe('nixos-companion');
    expect(entry.Exec).toBe(config.linux.executableName);
  });
});

describe('polkit policy', () => {
  const file = path.join(root, 'build/polkit/org.nixos.companion.policy');

  it('is well-formed XML (xmllint)', () => {
    const r = spawnSync('xmllint', ['--noout', '--nonet', file], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('names the helper by its installed path, with auth_admin_keep for the active session', () => {
    const xpath = (expr: string) => execFileSync('xmllint', ['--nonet', '--xpath', expr, file], { encoding: 'utf8' }).trim();
    expect(xpath('string(//action/@id)')).toBe('org.nixos.companion.helper');
    expect(xpath('string(//action/annotate[@key="org.freedesktop.policykit.exec.path"])')).toBe(INSTALLED_HELPER);
    expect(xpath('string(//action/defaults/allow_active)')).toBe('auth_admin_keep');
    expect(xpath('string(//action/defaults/allow_any)')).toBe('auth_admin');
  });

  it('xmllint really rejects malformed XML', () => {
    const dir = tempDir('nc-xml-');
    writeFileSync(path.join(dir, 'bad.policy'), '<policyconfig><action></policyconfig>');
    expect(spawnSync('xmllint', ['--noout', path.join(dir, 'bad.policy')]).status).not.toBe(0);
  });

  it('the deb installs the policy and the helper wrapper at the paths the policy and the app use', async () => {
    const config = await validateBuilderConfig(root, 'build/electron-builder.yml');
    expect(config.deb.fpm).toEqual(
      expect.arrayContaining([`build/polkit/org.nixos.companion.policy=/usr/share/polkit-1/actions/org.nixos.companion.policy`, `build/helper/nixos-companion-helper=${INSTALLED_HELPER}`]),
    );
    const wrapper = path.join(root, 'build/helper/nixos-companion-helper');
    expect(spawnSync('sh', ['-n', wrapper]).status).toBe(0);
    const text = readFileSync(wrapper, 'utf8');
    expect(text).toMatch(/ELECTRON_RUN_AS_NODE=1/);
    expect(text).toMatch(/app\.asar\.unpacked\/dist\/helper\/helper\.mjs/);
    expect(config.asarUnpack).toContain('dist/helper/**');
  });
});

describe('electron-builder config', () => {
  it('validates against electron-builder’s schema, for AppImage and deb, with the app id', async () => {
    const config = await validateBuilderConfig(root, 'build/electron-builder.yml');
    expect(config.appId).toBe('org.nixos.companion');
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
  });

  it('the validation really rejects an invalid config', async () => {
    const dir = tempDir('nc-eb-');
    cpSync(path.join(root, 'package.json'), path.join(dir, 'package.json'));
    writeFileSync(path.join(dir, 'bad.yml'), readFileSync(path.join(root, 'build/electron-builder.yml'), 'utf8').replace('linux:\n', 'linux:\n  notAnOption: true\n'));
    await expect(validateBuilderConfig(dir, 'bad.yml')).rejects.toThrow(/Invalid configuration object[\s\S]*configuration\.linux/);
  });

  it('icons exist at the usual sizes, as real PNGs of that size', () => {
    for (const size of [16, 24, 32, 48, 64, 128, 256, 512]) {
      const png = readFileSync(path.join(root, `build/icons/${size}x${size}.png`));
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([size, size]);
    }
    expect(readFileSync(path.join(root, 'build/icons/nixos-companion.svg'), 'utf8')).toMatch(/#5277c3[\s\S]*#7ebae4/);
  });
});
