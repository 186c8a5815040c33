# package-lock.json as importNpmLock needs it. This lock records no `resolved` addresses (it was
# written with npm's omit-lockfile-registry-resolved), and importNpmLock fetches each package from
# its `resolved` address, checked against its `integrity` hash. Every package here comes from the
# npm registry, whose tarball address follows from the name and version:
#   <registry>/<name>/-/<name without scope>-<version>.tgz
# Builtins only, so the tests can evaluate it with plain nix-instantiate.
{
  lockFile,
  registry ? "https://registry.npmjs.org",
}:
let
  lock = builtins.fromJSON (builtins.readFile lockFile);
  lastPart =
    sep: s:
    let
      parts = builtins.filter builtins.isString (builtins.split sep s);
    in
    builtins.elemAt parts (builtins.length parts - 1);
  tarball =
    path: module:
    let
      # an aliased dependency (`"x": "npm:y@1"`) records its real name
      name = module.name or (lastPart "node_modules/" path);
    in
    "${registry}/${name}/-/${lastPart "/" name}-${module.version}.tgz";
  fromRegistry =
    path: module:
    path != "" && !(module ? resolved) && !(module.link or false) && !(module.inBundle or false) && module ? version;
in
lock
// {
  packages = builtins.mapAttrs (
    path: module: if fromRegistry path module then module // { resolved = tarball path module; } else module
  ) lock.packages;
}
