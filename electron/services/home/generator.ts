import type { HomeForm } from '../../../shared/contract/home';
import { nixString } from '../../core/nix';

/** Whether a release uses the option names from 25.11 on (programs.git.settings.user.* instead of userName/userEmail). */
function usesGitSettings(release: string | undefined): boolean {
  if (!release) return false;
  if (release === 'unstable') return true;
  const [major, minor] = release.split('.').map(Number) as [number, number];
  return major > 25 || (major === 25 && minor >= 11);
}

/**
 * A home.nix from the form: plain Nix with comments a newcomer can follow. Returns the text and every
 * option path it sets (tests check each against home-manager's options).
 */
export function generateHomeNix(form: HomeForm): { content: string; options: string[] } {
  const options: string[] = [];
  const out: string[] = [];
  const set = (option: string, value: string, indent = '  ') => {
    options.push(option);
    out.push(`${indent}${option} = ${value};`);
  };
  out.push(`# Home Manager configuration for ${form.username}, made with NixOS Companion.`);
  out.push('# Every option is described at https://nix-community.github.io/home-manager/options.xhtml');
  out.push('# After editing, apply it with: home-manager switch');
  out.push('{ config, pkgs, ... }:');
  out.push('');
  out.push('{');
  out.push('  # Who this configuration is for and where their home is. Home Manager checks both.');
  set('home.username', nixString(form.username));
  set('home.homeDirectory', nixString(form.homeDirectory));
  out.push('');
  out.push('  # The Home Manager release this file was first written for. Leave it as it is when you');
  out.push('  # upgrade: it keeps settings whose defaults changed between releases working the old way.');
  set('home.stateVersion', nixString(form.stateVersion));
  out.push('');
  const packages = [...new Set(form.packages)].sort((a, b) => a.localeCompare(b));
  out.push('  # Packages installed for you alone (search for names at https://search.nixos.org/packages).');
  options.push('home.packages');
  if (packages.length === 0) {
    out.push('  home.packages = [ ];');
  } else {
    out.push('  home.packages = with pkgs; [');
    for (const p of packages) out.push(`    ${p}`);
    out.push('  ];');
  }
  if (form.git.enable) {
    out.push('');
    out.push('  # Git, with the name and email that go on your commits.');
    out.push('  programs.git = {');
    options.push('programs.git.enable');
    out.push('    enable = true;');
    if (usesGitSettings(form.release)) {
      if (form.git.name) {
        options.push('programs.git.settings.user.name');
        out.push(`    settings.user.name = ${nixString(form.git.name)};`);
      }
      if (form.git.email) {
        options.push('programs.git.settings.user.email');
        out.push(`    settings.user.email = ${nixString(form.git.email)};`);
      }
    } else {
      if (form.git.name) {
        options.push('programs.git.userName');
        out.push(`    userName = ${nixString(form.git.name)};`);
      }
      if (form.git.email) {
        options.push('programs.git.userEmail');
        out.push(`    userEmail = ${nixString(form.git.email)};`);
      }
    }
    out.push('  };');
  }
  if (form.shell !== 'none') {
    out.push('');
    out.push(`  # ${form.shell}: Home Manager writes its startup file, so your packages and settings load in every new shell.`);
    set(`programs.${form.shell}.enable`, 'true');
  }
  const programs = [...new Set(form.programs)].sort();
  if (programs.length) {
    out.push('');
    out.push('  # Programs Home Manager installs and configures for you.');
    for (const p of programs) set(`programs.${p}.enable`, 'true');
  }
  out.push('');
  out.push('  # Let Home Manager install and manage itself (this is what puts the home-manager command on your PATH).');
  set('programs.home-manager.enable', 'true');
  out.push('}');
  return { content: out.join('\n') + '\n', options };
}
