import { describe, expect, it } from 'vitest';
import { jsonToNix, optionValue, parseOptionsJson, parsePackagesJson } from '../../electron/services/search/parse';

describe('packages.json variants', () => {
  it('reads every field variant the channel has published', () => {
    const { version, docs } = parsePackagesJson({
      version: '2',
      packages: {
        a: { name: 'a-1.0', pname: 'a', version: '1.0', outputs: { out: null, man: null }, meta: { homepage: 'https://a.org', license: { spdxId: 'MIT', shortName: 'mit', free: true } } },
        b: { name: 'b-2.0', outputs: ['out', 'dev'], meta: { homepage: ['https://b.org', 'https://b2.org'], license: [{ fullName: 'GPL', free: true }, { shortName: 'unfree', free: false }], broken: true } },
        c: { name: 'c-3', version: '3', meta: { license: 'bsd3', knownVulnerabilities: ['CVE-1'], mainProgram: 'cc' } },
      },
    });
    expect(version).toBe('2');
    const [a, b, c] = docs.map((d) => d.record as Record<string, unknown>);
    expect(a).toMatchObject({ attr: 'a', homepage: ['https://a.org'], license: [{ name: 'mit', spdxId: 'MIT', free: true }], outputs: ['out', 'man'], broken: false, unfree: false });
    expect(b).toMatchObject({ pname: 'b', version: '2.0', homepage: ['https://b.org', 'https://b2.org'], outputs: ['out', 'dev'], broken: true, unfree: true });
    expect((b as { license: unknown[] }).license).toHaveLength(2);
    expect(c).toMatchObject({ license: [{ name: 'bsd3', spdxId: null, free: null }], insecure: true, mainProgram: 'cc', homepage: [] });
    expect(parsePackagesJson({ version: 2, packages: {} }).version).toBe('2');
    expect(() => parsePackagesJson({ nope: 1 })).toThrow(/packages/);
  });
});

describe('options JSON variants', () => {
  it('reads literalExpression, literalMD and plain JSON values, and both declaration shapes', () => {
    const docs = parseOptionsJson(
      {
        'services.x.enable': { declarations: ['nixos/modules/x.nix'], default: { _type: 'literalExpression', text: 'false' }, description: 'Whether to enable x.', loc: ['services', 'x', 'enable'], readOnly: false, type: 'boolean' },
        'services.x.port': { declarations: [{ name: '<home-manager/modules/x.nix>', url: 'https://github.com/nix-community/home-manager/blob/master/modules/x.nix' }], default: 80, example: { _type: 'literalMD', text: 'any *port*' }, description: 'Port.', type: 'port' },
        'services.x.extra': { declarations: ['<home-manager/modules/y.nix>'], default: { a: [1, 'two'], 'b-c': null }, description: '', type: 'attrs', readOnly: true },
      },
      { source: 'nixos', revision: 'abc' },
    );
    const [enable, port, extra] = docs.map((d) => d.record as Record<string, unknown>);
    expect(enable).toMatchObject({ default: { kind: 'nix', text: 'false' }, example: null, declarations: [{ name: 'nixos/modules/x.nix', url: 'https://github.com/NixOS/nixpkgs/blob/abc/nixos/modules/x.nix' }] });
    expect(port).toMatchObject({ default: { kind: 'nix', text: '80' }, example: { kind: 'markdown', text: 'any *port*' }, declarations: [{ url: 'https://github.com/nix-community/home-manager/blob/master/modules/x.nix' }] });
    expect(extra).toMatchObject({ readOnly: true, declarations: [{ url: 'https://github.com/nix-community/home-manager/blob/master/modules/y.nix' }] });
    expect((extra as { default: { text: string } }).default.text).toBe('{\n  a = [\n    1\n    "two"\n  ];\n  b-c = null;\n}');
    expect(docs[0]!.enableOf).toBe('x');
  });

  it('writes JSON as Nix with safe strings', () => {
    expect(jsonToNix('a"${b}\n')).toBe('"a\\"\\${b}\\n"');
    expect(optionValue(undefined)).toBeNull();
  });
});
