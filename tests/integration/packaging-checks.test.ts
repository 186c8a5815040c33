import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TRUSTED_HOST_FILE } from '../../electron/helper/environment';
import { privilegeClasses } from '../../electron/helper/protocol';
import { loadHost } from '../../electron/host';
import { INSTALLED_HELPER } from '../../electron/services/desktop/helper-path';
import { tempDir } from '../helpers/app';

/** Packaging, checked with the real tools: nix's parser, desktop-file-validate, xmllint, electron-builder's own validation. */

const POLKIT_DTD = '/usr/share/polkit-1/policyconfig-1.dtd';

interface PolicyAction {
  id: string;
  path: string | undefined;
  argv1: string | undefined;
  message: string;
  defaults: Record<string, string>;
}

const actionsRead = new Map<string, PolicyAction[]>();

/** Every action of a policy file, read with xmllint's XPath. */
function readActions(policy: string): PolicyAction[] {
  if (!actionsRead.has(policy)) actionsRead.set(policy, readActionsNow(policy));
  return actionsRead.get(policy)!;
}

function readActionsNow(policy: string): PolicyAction[] {
  const xpath = (expr: string) => execFileSync('xmllint', ['--nonet', '--xpath', expr, policy], { encoding: 'utf8' }).trim();
  const count = Number(xpath('count(//action)'));
  return Array.from({ length: count }, (_, i) => {
    const at = `(//action)[${i + 1}]`;
    const annotation = (key: string) => (Number(xpath(`count(${at}/annotate[@key="${key}"])`)) ? xpath(`string(${at}/annotate[@key="${key}"])`) : undefined);
    return {
      id: xpath(`string(${at}/@id)`),
      path: annotation('org.freedesktop.policykit.exec.path'),
      argv1: annotation('org.freedesktop.policykit.exec.argv1'),
      message: xpath(`string(${at}/message)`),
      defaults: Object.fromEntries(['allow_any', 'allow_inactive', 'allow_active'].map((k) => [k, xpath(`string(${at}/defaults/${k})`)])),
    };
  });
}

/**
 * The action pkexec checks for `pkexec PATH ARGV1 ...`, as polkit's src/programs/pkexec.c
 * (find_action_for_path, polkit 0.113-126) decides it: the first action whose exec.path is PATH and whose
 * exec.argv1, when set, is ARGV1; otherwise the generic org.freedesktop.policykit.exec.
 */
function pkexecActionFor(actions: PolicyAction[], program: string, argv1: string | undefined): string {
  for (const a of actions) {
    if (a.path !== program) continue;
    if (a.argv1 !== undefined && a.argv1 !== argv1) continue;
    return a.id;
  }
  return 'org.freedesktop.policykit.exec';
}

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

  /** The module applied (by real nix) to a minimal stand-in of the NixOS module system's arguments; lib.recursiveUpdate as nixpkgs defines it. */
  function evalModule(moduleConfig: string, select: string) {
    const expr = `
      let
        self = { packages.x86_64-linux.default = "PKG"; };
        module = import ${path.join(root, 'nix/module.nix')} self;
        lib = rec {
          mkEnableOption = d: { _type = "option"; description = d; };
          mkOption = o: o // { _type = "option"; };
          types = { package = "package"; anything = "anything"; attrsOf = t: "attrsOf " + t; };
          literalExpression = t: t;
          mkIf = c: v: if c then v else {};
          recursiveUpdate = lhs: rhs: lhs // builtins.mapAttrs (n: v: if builtins.isAttrs v && builtins.isAttrs (lhs.\${n} or null) then recursiveUpdate lhs.\${n} v else v) rhs;
        };
        pkgs = { stdenv.hostPlatform.system = "x86_64-linux"; git = "/nix/store/g-git"; };
        config = {
          programs.nixos-companion = { enable = true; package = "PKG"; helperSettings = {}; } // (${moduleConfig});
          nix.package = "/nix/store/n-nix";
          systemd.package = "/nix/store/s-systemd";
          system.build.nixos-rebuild = "/nix/store/r-nixos-rebuild";
        };
        evaluated = module { inherit lib pkgs config; };
      in ${select}`;
    return JSON.parse(execFileSync('nix-instantiate', ['--eval', '--strict', '--json', '-E', expr], { encoding: 'utf8' }));
  }

  it('the module defines programs.nixos-companion.enable and installs the package; the package wraps nixpkgs electron and installs helper + policy', () => {
    const out = evalModule('{}', `{
        options = builtins.attrNames evaluated.options.programs.nixos-companion;
        packages = evaluated.config.environment.systemPackages;
        polkit = evaluated.config.security.polkit.enable;
        linked = evaluated.config.environment.pathsToLink;
      }`);
    expect(out).toEqual({ options: ['enable', 'helperSettings', 'package'], packages: ['PKG'], polkit: true, linked: ['/share/polkit-1'] });
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

  it('the module writes the helper’s root-owned /etc/nixos-companion/host.json, naming this system’s own tools, which the helper’s host loader accepts', () => {
    const text = evalModule('{}', 'evaluated.config.environment.etc."nixos-companion/host.json".text') as string;
    const written = JSON.parse(text);
    expect(written.commands).toEqual({
      'nixos-rebuild': '/nix/store/r-nixos-rebuild/bin/nixos-rebuild',
      nix: '/nix/store/n-nix/bin/nix',
      'nix-build': '/nix/store/n-nix/bin/nix-build',
      'nix-channel': '/nix/store/n-nix/bin/nix-channel',
      'nix-collect-garbage': '/nix/store/n-nix/bin/nix-collect-garbage',
      'nix-env': '/nix/store/n-nix/bin/nix-env',
      'nix-instantiate': '/nix/store/n-nix/bin/nix-instantiate',
      'nix-store': '/nix/store/n-nix/bin/nix-store',
      'systemd-run': '/nix/store/s-systemd/bin/systemd-run',
      udevadm: '/nix/store/s-systemd/bin/udevadm',
      git: '/nix/store/g-git/bin/git',
    });
    const file = path.join(tempDir('nc-host-'), 'host.json');
    writeFileSync(file, text);
    const host = loadHost({ HOME: '/root', USER: 'root', NIXOS_COMPANION_HOST: file });
    expect(host.commands['nix-env']).toBe('/nix/store/n-nix/bin/nix-env');
    expect(host.commands.lsblk).toBe('lsblk');
    expect(host.nixosConfigDir).toBe('/etc/nixos');

    // helperSettings merge over the module's own, key by key
    const merged = JSON.parse(evalModule('{ helperSettings = { nixosConfigDir = "/srv/nixos"; commands.git = "/x/git"; }; }', 'evaluated.config.environment.etc."nixos-companion/host.json".text') as string);
    expect(merged.nixosConfigDir).toBe('/srv/nixos');
    expect(merged.commands.git).toBe('/x/git');
    expect(merged.commands['nix-env']).toBe('/nix/store/n-nix/bin/nix-env');
    // disabled: nothing at all
    expect(evalModule('{ enable = false; }', 'evaluated.config')).toEqual({});
  });

  it('the helper reads exactly the file the module writes', () => {
    expect(readFileSync(path.join(root, 'nix/module.nix'), 'utf8')).toContain(`environment.etc."${path.relative('/etc', TRUSTED_HOST_FILE)}".text`);
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

  it('is valid against polkit’s own DTD (polkitd’s policyconfig-1.dtd)', () => {
    const r = spawnSync('xmllint', ['--noout', '--nonet', '--dtdvalid', POLKIT_DTD, file], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('has one action per privilege class, each naming the installed helper and the class as argv1 (no catch-all action)', () => {
    const actions = readActions(file);
    expect(actions.map((a) => a.argv1).sort()).toEqual(Object.keys(privilegeClasses).sort());
    for (const a of actions) {
      expect(a.id).toBe(`org.nixos.companion.${a.argv1}`);
      expect(a.path, a.id).toBe(INSTALLED_HELPER);
    }
  });

  it('pkexec picks the class’s own action by path and argv1, and nothing of ours for any other argument', () => {
    const actions = readActions(file);
    for (const cls of Object.keys(privilegeClasses)) expect(pkexecActionFor(actions, INSTALLED_HELPER, cls)).toBe(`org.nixos.companion.${cls}`);
    expect(pkexecActionFor(actions, INSTALLED_HELPER, 'write-config')).toBe('org.freedesktop.policykit.exec');
    expect(pkexecActionFor(actions, INSTALLED_HELPER, undefined)).toBe('org.freedesktop.policykit.exec');
    expect(pkexecActionFor(actions, '/tmp/.mount_x/nixos-companion', 'routine')).toBe('org.freedesktop.policykit.exec');
  });

  it('changes ask for the password every time; only routine steps keep it, and only a trial’s undo needs none in the active session', () => {
    const rules = Object.fromEntries(readActions(file).map((a) => [a.argv1, a.defaults]));
    const ask = { allow_any: 'auth_admin', allow_inactive: 'auth_admin', allow_active: 'auth_admin' };
    expect(rules).toEqual({
      routine: { ...ask, allow_active: 'auth_admin_keep' },
      activate: ask,
      trial: { ...ask, allow_active: 'yes' },
      cleanup: ask,
      config: ask,
      channels: ask,
      device: ask,
    });
  });

  it('each action’s message says in words what will happen', () => {
    const messages = Object.fromEntries(readActions(file).map((a) => [a.argv1, a.message]));
    const says: Record<string, RegExp> = {
      routine: /build your configuration without activating it[\s\S]*Nothing here changes the running system/,
      activate: /activate a system: switch this computer to a new or an older configuration now, or make one the boot default/,
      trial: /go back from a safe-switch trial to the system that ran before it/,
      cleanup: /delete old system generations or collect garbage[\s\S]*can no longer be booted or rolled back to/,
      config: /change a file in your NixOS configuration folder[\s\S]*kept as a backup/,
      channels: /add, remove or update the system's channels/,
      device: /write to the drive you picked: writing an image replaces everything on it/,
    };
    for (const [cls, pattern] of Object.entries(says)) expect(messages[cls], cls).toMatch(pattern);
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
