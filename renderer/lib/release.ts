/**
 * A NixOS version in words: `24.11.711521.a73246e3eeb8 (Vicuna)` -> "NixOS 24.11 Vicuna";
 * `25.05pre738657.2d9e4457f8e8` -> "NixOS 25.05 (unstable)". The code name comes from the version
 * or from os-release's name ("NixOS 24.11 (Vicuna)"). Null when the version cannot be read.
 */
export function releaseInWords(version: string | null | undefined, osName?: string | null): string | null {
  const m = /^(\d{2}\.\d{2})(pre)?/.exec(version?.trim() ?? '');
  if (!m) return null;
  const codeName = /\(([A-Z][A-Za-z]+)\)/.exec(version ?? '')?.[1] ?? (osName && osName.includes(m[1]!) ? /\(([A-Z][A-Za-z]+)\)/.exec(osName)?.[1] : undefined);
  return `NixOS ${m[1]}${codeName ? ` ${codeName}` : ''}${m[2] ? ' (unstable)' : ''}`;
}

/** The part of a version after the release: `711521.a73246e3eeb8`, for a detail line. */
export function versionDetail(version: string | null | undefined): string | null {
  const m = /^\d{2}\.\d{2}(?:pre)?[.]?(\S+)/.exec(version?.trim() ?? '');
  return m ? m[1]! : null;
}

/**
 * Two NixOS versions as a change: "No change (NixOS 24.11 Vicuna)"; "NixOS 24.05 Uakari → NixOS 24.11
 * Vicuna" across releases; the exact versions within one release (a channel update).
 */
export function versionChange(before: string | null | undefined, after: string | null | undefined): string {
  const a = before ?? null;
  const b = after ?? null;
  if (a === b) return a ? `No change (${releaseInWords(a) ?? a})` : 'No change';
  const wa = releaseInWords(a);
  const wb = releaseInWords(b);
  if (wa && wb && wa !== wb) return `${wa} → ${wb}`;
  return `${a ?? '—'} → ${b ?? '—'}`;
}
