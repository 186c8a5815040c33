import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../helpers/app';
import { addToConfig, makeSystemHost, type SystemHost } from '../fixtures/system-host';

let host: SystemHost;
let configDir: string;
let app: Awaited<ReturnType<typeof testApp>>;

beforeAll(async () => {
  host = await makeSystemHost({ generations: 3 });
  configDir = host.host.nixosConfigDir;
  // the fixture's configuration.nix imports ./hardware-configuration.nix; add a module folder and a file nothing imports
  const config = readFileSync(host.configFile, 'utf8');
  writeFileSync(host.configFile, config.replace('      ./hardware-configuration.nix\n', '      ./hardware-configuration.nix\n      ./modules\n'));
  mkdirSync(path.join(configDir, 'modules'));
  writeFileSync(path.join(configDir, 'modules/default.nix'), '{ ... }: { imports = [ ./desktop.nix ]; }\n');
  writeFileSync(path.join(configDir, 'modules/desktop.nix'), '{ ... }: { }\n');
  writeFileSync(path.join(configDir, 'unused.nix'), '{ }\n');
  process.env.NIXOS_COMPANION_HOST = host.hostFile;
  app = await testApp(host.host);
});
afterAll(async () => {
  delete process.env.NIXOS_COMPANION_HOST;
  await app?.dispose();
});

describe('system.config against real nix', () => {
  it('finds configuration.nix, lists the .nix files and which are imported', async () => {
    const r = await app.call('system.config.read', {});
    expect(r.kind).toBe('channels');
    expect(r.mainFile).toBe('configuration.nix');
    expect(r.file?.path).toBe('configuration.nix');
    expect(r.file?.content).toContain('      ./hardware-configuration.nix\n      ./modules\n');
    const byPath = Object.fromEntries(r.files.map((f) => [f.path, f.imported]));
    expect(byPath).toEqual({ 'configuration.nix': true, 'hardware-configuration.nix': true, 'modules/default.nix': true, 'modules/desktop.nix': true, 'unused.nix': false });
    expect((await app.call('system.config.read', { path: 'modules/desktop.nix' })).file?.content).toBe('{ ... }: { }\n');
    expect((await app.callError('system.config.read', { path: '../etc/passwd.nix' })).code).toBe('invalid-params');
  });

  it('parse errors come from the real nix-instantiate --parse with line and column', async () => {
    expect(await app.call('system.config.parse', { content: '{ a = 1; }' })).toEqual({ ok: true, errors: [] });
    const r = await app.call('system.config.parse', { content: '{ pkgs, ... }:\n{\n  environment.packages = [ pkgs.hello ]\n  networking.hostName = "x";\n}\n' });
    expect(r.ok).toBe(false);
    // Nix stops at line 4's `=`; the missing `;` is placed where it goes, at the end of line 3
    expect(r.errors).toEqual([{ line: 3, column: 40, message: 'Line 3 is missing a `;` at its end (Nix stopped at `=` on line 4).' }]);
    const undefinedVar = await app.call('system.config.parse', { content: '{ ... }:\n{\n  x = pkgz.hello;\n}\n' });
    expect(undefinedVar.errors[0]).toMatchObject({ line: 3, column: 7, message: "undefined variable 'pkgz'" });
  });

  it('evaluate catches an option that does not exist, pointing at the file and line', async () => {
    const ok = await app.call('system.config.evaluate', {});
    expect(ok.ok).toBe(true);
    expect(ok.wouldBuild).toBeGreaterThanOrEqual(1);
    const file = host.configFile;
    const good = readFileSync(file, 'utf8');
    const text = addToConfig(good, '  services.printerz.enable = true;');
    writeFileSync(file, text);
    const bad = await app.call('system.config.evaluate', {});
    expect(bad.ok).toBe(false);
    expect(bad.error?.message).toMatch(/The option `services.printerz' does not exist/);
    expect(bad.error?.location).toMatchObject({ file, line: text.split('\n').findIndex((l) => l.includes('services.printerz')) + 1 });
    expect(bad.error?.relativePath).toBe('configuration.nix');
    writeFileSync(file, good);
  });

  it('write: atomic through the helper, with a timestamped backup and a conflict check; restore puts a backup back', async () => {
    const before = await app.call('system.config.read', {});
    const next = before.file!.content.replace('{\n', '{\n  # edited in the app\n');
    const written = await app.call('system.config.write', { path: 'configuration.nix', content: next, expectedSha256: before.file!.sha256 });
    expect(readFileSync(host.configFile, 'utf8')).toBe(next);
    expect(written.backup).not.toBeNull();
    expect(readFileSync(written.backup!, 'utf8')).toBe(before.file!.content);
    // someone else's stale hash is refused
    const conflict = await app.callError('system.config.write', { path: 'configuration.nix', content: 'x', expectedSha256: before.file!.sha256 });
    expect(conflict.code).toBe('conflict');
    const { backups } = await app.call('system.config.backups', { path: 'configuration.nix' });
    expect(backups.length).toBe(1);
    expect(backups[0]!.path).toBe('configuration.nix');
    await app.call('system.config.restore', { backup: backups[0]!.name });
    expect(readFileSync(host.configFile, 'utf8')).toBe(before.file!.content);
    expect((await app.call('system.config.backups', {})).backups.length).toBe(2);
    expect((await app.callError('system.config.restore', { backup: '../../etc/shadow' })).code).toBe('invalid-params');
  });

  it('commits the configuration to git before a switch, with the new generation number', async () => {
    execFileSync('git', ['init', '--quiet'], { cwd: configDir });
    await app.call('system.settings.set', { previewBeforeSwitch: false });
    const { jobId } = await app.call('system.rebuild', { action: 'switch' });
    const done = await app.ctx.jobs.wait(jobId);
    expect(done.status).toBe('done');
    const result = done.result as { generation: number; commit: { committed: boolean; message: string; revision: string } };
    expect(result.generation).toBe(4);
    expect(result.commit).toMatchObject({ committed: true, message: 'NixOS generation 4 (switch)' });
    const log = execFileSync('git', ['log', '--format=%H %s'], { cwd: configDir, encoding: 'utf8' }).trim();
    expect(log).toBe(`${result.commit.revision} NixOS generation 4 (switch)`);
    const tracked = execFileSync('git', ['ls-files'], { cwd: configDir, encoding: 'utf8' });
    expect(tracked).toContain('modules/desktop.nix');
    expect(tracked).not.toContain('.nixos-companion-backups');
    expect(readdirSync(configDir)).toContain('.nixos-companion-backups');
  });

  it('a configuration of the contract’s largest size (1 MiB) is saved through the real helper, end to end', async () => {
    const line = '  environment.etc."motd".text = "Grüße \\"from\\" NixOS\\n"; # a comment\n';
    const content = line.repeat(Math.ceil((1024 * 1024) / line.length)).slice(0, 1024 * 1024);
    const written = await app.call('system.config.write', { path: 'large.nix', content });
    expect(readFileSync(path.join(configDir, 'large.nix'), 'utf8') === content).toBe(true);
    expect(written.sha256).toBe(createHash('sha256').update(content).digest('hex'));
    const again = await app.call('system.config.read', { path: 'large.nix' });
    expect(again.file?.sha256).toBe(written.sha256);
    expect((await app.callError('system.config.write', { path: 'large.nix', content: `${content}x` })).code).toBe('invalid-params');
  });

  it('settings persist as JSON in the config folder and are validated', async () => {
    const s = await app.call('system.settings.set', { safeSwitchTimeoutSeconds: 30, commitConfigToGit: true });
    expect(s).toEqual({ previewBeforeSwitch: false, safeSwitchTimeoutSeconds: 30, commitConfigToGit: true });
    expect(JSON.parse(readFileSync(path.join(host.host.configDir, 'system-settings.json'), 'utf8'))).toEqual(s);
    expect((await app.callError('system.settings.set', { safeSwitchTimeoutSeconds: 1 })).code).toBe('invalid-params');
    expect((await app.callError('system.settings.set', { other: true })).code).toBe('invalid-params');
  });
});
