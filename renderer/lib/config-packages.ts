/**
 * The package names a NixOS configuration lists in `environment.systemPackages`, read from its text:
 * `with pkgs; [ hello git ]`, `[ pkgs.hello ]`, `(with pkgs; [ ... ]) ++ [ ... ]`. Comments are left
 * out; each name counts by its last part too (`pkgs.gitAndTools.git` -> `git`). What it cannot read
 * (a function call, a let binding) it simply does not list: the badge then says less, never more.
 */
export function systemPackagesIn(text: string): Set<string> {
  // comments and `with pkgs;` out first: the `;` of a `with` does not end the value
  const code = text.replace(/#[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\bwith\s+[\w.]+\s*;/g, ' ');
  const names = new Set<string>();
  const re = /environment\.systemPackages\s*=/g;
  for (let m = re.exec(code); m; m = re.exec(code)) {
    // the value runs to the `;` that ends it at bracket depth 0
    let depth = 0;
    let end = m.index + m[0].length;
    for (; end < code.length; end++) {
      const c = code[end];
      if (c === '[' || c === '(' || c === '{') depth++;
      else if (c === ']' || c === ')' || c === '}') depth--;
      else if (c === ';' && depth <= 0) break;
    }
    const value = code.slice(m.index + m[0].length, end).replace(/"[^"]*"/g, ' ');
    for (const list of value.match(/\[[^\]]*\]/g) ?? []) {
      for (const word of list.slice(1, -1).match(/[A-Za-z_][\w'-]*(?:\.[A-Za-z_][\w'-]*)*/g) ?? []) {
        const parts = word.split('.');
        names.add(parts.at(-1)!);
        names.add(parts[0] === 'pkgs' ? parts.slice(1).join('.') : word);
      }
    }
  }
  names.delete('');
  return names;
}
