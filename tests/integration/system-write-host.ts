/**
 * A small NixOS-shaped host for the write-side system tests (rebuild, rollback, safe switch, config),
 * built with REAL nix: real store paths, a real system profile with real generations made by
 * `nix-env --set`, real evaluation and parse errors. What cannot exist here (a booted NixOS) is a
 * stand-in that keeps the real formats and exit codes:
 *  - bin/nixos-rebuild: takes nixos-rebuild's argv (action, --upgrade, --show-trace, --flake, -v,
 *    --log-format) and runs the real nix-build on eval.nix, leaving ./result like nixos-rebuild build;
 *  - each system's bin/switch-to-configuration appends "<action> <system>" to an activation log and,
 *    for switch/test, points the fixture's /run/current-system at itself (as activation does).
 */
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import type { HostOverrides } from '../../electron/host';

export const NIX_CONFIG = 'substituters =\nsandbox = false\nexperimental-features = nix-command';
process.env.NIX_CONFIG = NIX_CONFIG;

export interface WriteHost {
  root: string;
  configDir: string;
  profile: string;
  currentSystem: string;
  activationLog: string;
  overrides: HostOverrides;
  hostFile: string;
  /** the configuration.nix text for a system labelled `label` with kernel `kernel` */
  config(name: string, kernel?: string, extra?: string): string;
  /** the label (and package suffix) a config(name) system gets */
  label(name: string): string;
  activations(): string[];
  /** make the next activations take this long (0 = no pause) */
  slowActivation(seconds: number): void;
  currentGeneration(): number;
}

const FIXTURE = path.join(import.meta.dirname, 'system-write-fixture');

export function makeWriteHost(): WriteHost {
  const root = mkdtempSync(path.join(os.tmpdir(), 'nc-write-host-'));
  const configDir = path.join(root, 'etc/nixos');
  mkdirSync(configDir, { recursive: true });
  mkdirSync(path.join(root, 'bin'));
  mkdirSync(path.join(root, 'run'));
  mkdirSync(path.join(root, 'profiles'));
  copyFileSync(path.join(FIXTURE, 'eval.nix'), path.join(root, 'eval.nix'));
  copyFileSync(path.join(FIXTURE, 'nixos-rebuild'), path.join(root, 'bin/nixos-rebuild'));
  chmodSync(path.join(root, 'bin/nixos-rebuild'), 0o755);
  const profile = path.join(root, 'profiles/system');
  const currentSystem = path.join(root, 'run/current-system');
  const activationLog = path.join(root, 'activation.log');
  writeFileSync(activationLog, '');
  // labels carry a per-run nonce so every run builds for real instead of finding last run's results
  // letters only: a digit after a dash would make Nix read the rest as a version
  const nonce = Array.from({ length: 6 }, () => 'abcdefghijklmnopqrstuvwxyz'[Math.floor(Math.random() * 26)]).join('');
  const label = (name: string) => `${name}-${nonce}`;
  const config = (name: string, kernel = '6.6.1', extra = '') =>
    `{ config, pkgs, ... }:\n{\n  system.label = "${label(name)}";\n  boot.kernelVersion = "${kernel}";\n  environment.packages = [ "hello-${label(name)}" ];\n${extra}}\n`;

  // Two real generations to start with, the second one running and booted.
  for (const [label, kernel] of [['one', '6.6.1'], ['two', '6.6.1']] as const) {
    writeFileSync(path.join(configDir, 'configuration.nix'), config(label, kernel));
    const out = execFileSync('nix-build', [path.join(root, 'eval.nix'), '-A', 'system', '--arg', 'configuration', path.join(configDir, 'configuration.nix'), '--argstr', 'activationLog', activationLog, '--argstr', 'currentSystem', currentSystem, '--argstr', 'sleepFile', path.join(root, 'activation-sleep'), '--no-out-link'], { encoding: 'utf8', env: process.env }).trim();
    execFileSync('nix-env', ['-p', profile, '--set', out], { env: process.env });
  }
  const running = readlinkSync(`${profile}-2-link`);
  symlinkSync(running, currentSystem);
  symlinkSync(running, path.join(root, 'run/booted-system'));

  const overrides: HostOverrides = {
    systemProfile: profile,
    currentSystem,
    bootedSystem: path.join(root, 'run/booted-system'),
    nixosConfigDir: configDir,
    stateDir: path.join(root, 'state'),
    configDir: path.join(root, 'app-config'),
    activationDir: path.join(root, 'activation'),
    hostname: 'fixture',
    privilege: 'direct',
    useSystemdRun: false,
    commands: { 'nixos-rebuild': path.join(root, 'bin/nixos-rebuild') },
  };
  const hostFile = path.join(root, 'host.json');
  writeFileSync(hostFile, JSON.stringify(overrides));
  return {
    root,
    configDir,
    profile,
    currentSystem,
    activationLog,
    overrides,
    hostFile,
    config,
    label,
    slowActivation: (seconds) => (seconds > 0 ? writeFileSync(path.join(root, 'activation-sleep'), String(seconds)) : rmSync(path.join(root, 'activation-sleep'), { force: true })),
    activations: () => execFileSync('cat', [activationLog], { encoding: 'utf8' }).split('\n').filter(Boolean),
    currentGeneration: () => Number(/-(\d+)-link$/.exec(readlinkSync(profile))![1]),
  };
}
