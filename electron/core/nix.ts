import type { CommandRunner } from './process';

/** A Nix identifier that needs no quotes as an attribute name. */
export const nixIdentifier = /^[A-Za-z_][A-Za-z0-9_'-]*$/;

/**
 * A Nix string literal whose value is `s`: backslash, quote and `${` escaped, and newline, carriage
 * return and tab written as \n \r \t (a raw carriage return would be read as a newline).
 */
export function nixString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\$\{/g, '\\${').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}"`;
}

/** "12028 store paths deleted, 3.26 MiB freed" (Nix 2.8) or "..., 1.2 GiB freed" (newer) -> numbers. */
export function parseGcSummary(text: string): { pathsDeleted: number; bytesFreed: number } | null {
  const m = /(\d+) store paths? deleted, (-?[\d.]+) ?(B|bytes|KiB|MiB|GiB|TiB) freed/.exec(text);
  if (!m) return null;
  const scale: Record<string, number> = { B: 1, bytes: 1, KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30, TiB: 2 ** 40 };
  return { pathsDeleted: Number(m[1]), bytesFreed: Math.max(0, Math.round(Number(m[2]) * scale[m[3]!]!)) };
}

/**
 * The real Nix parser on a text (given on stdin) or a file: `nix-instantiate --parse`. Null when it
 * parses; else its exit code and stderr lines (with `internalJson`, the `@nix {...}` lines that carry
 * the error's line and column). Throws command-missing when there is no Nix.
 */
export async function nixParse(
  runner: CommandRunner,
  source: { text: string } | { file: string },
  opts: { cwd?: string; internalJson?: boolean } = {},
): Promise<{ exitCode: number; stderr: string[] } | null> {
  const args = ['--parse', ...(opts.internalJson ? ['--log-format', 'internal-json'] : []), 'text' in source ? '-' : source.file];
  const stderr: string[] = [];
  const { exitCode } = await runner.run('nix-instantiate', args, {
    ...('text' in source ? { input: source.text } : {}),
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    timeoutMs: 30_000,
    check: false,
    onLine: (stream, line) => {
      if (stream === 'stderr') stderr.push(line);
    },
  });
  return exitCode === 0 ? null : { exitCode, stderr };
}
