/** The release a NixOS version string belongs to: "25.05.802216.55d1f923c480" and "25.11pre1234" give "25.05" and "25.11". */
export function releaseOfVersion(version: string | null | undefined): string | undefined {
  const m = /^(\d\d)\.(05|11)(?:pre|\.|$)/.exec(version ?? '');
  return m ? `${m[1]}.${m[2]}` : undefined;
}
