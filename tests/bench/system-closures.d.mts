/** Types for system-closures.mjs (NixOS-shaped closures built with real nix for tests and the benchmark). */
export const nixEnv: NodeJS.ProcessEnv & { NIX_CONFIG: string };
export function packageNames(count: number): string[];
export interface SystemsOptions {
  packages?: number;
  variants?: number;
  generations?: number;
  requested?: number;
  host?: string;
}
export function systemsExpression(opts?: SystemsOptions): string;
export function buildSystems(workDir: string, opts?: SystemsOptions): string[];
export function writeProfile(profileDir: string, toplevels: string[], opts?: { count?: number; currentIndex?: number }): string;
export function profileLinkCount(profileDir: string): number;
