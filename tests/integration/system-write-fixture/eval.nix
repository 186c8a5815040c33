# Stand-in for <nixpkgs/nixos> in the write-side system tests (see ../system-write-host.ts): imports
# configuration.nix as a module, checks its options the way the module system words it, and builds a
# real toplevel with nixos-version, kernel (+ lib/modules/<version>), sw and bin/switch-to-configuration.
{ configuration, activationLog, currentSystem, sleepFile }:
let
  cfg = import configuration { config = cfg; pkgs = { }; lib = { }; };
  known = [ "imports" "system" "boot" "environment" "networking" ];
  unknown = builtins.filter (n: !(builtins.elem n known)) (builtins.attrNames cfg);
  first = builtins.head unknown;
  checked =
    if unknown != [ ] then
      throw "The option `${first}' does not exist. Definition values:\n- In `${toString configuration}': ${builtins.toJSON cfg.${first}}"
    else cfg;
  label = checked.system.label or "unnamed";
  kernelVersion = checked.boot.kernelVersion or "6.6.1";
  kernel = derivation {
    name = "linux-${kernelVersion}";
    system = builtins.currentSystem;
    builder = "/bin/sh";
    args = [ "-c" "/bin/mkdir -p $out/lib/modules/${kernelVersion} && echo kernel > $out/bzImage" ];
  };
  packages = map (p: derivation {
    name = p;
    system = builtins.currentSystem;
    builder = "/bin/sh";
    args = [ "-c" "echo building ${p}; if [ -f /tmp/nc-slow-build-${p} ]; then /bin/sleep 30; fi; /bin/mkdir -p $out/bin; echo ${p} > $out/bin/${p}" ];
  }) (checked.environment.packages or [ ]);
  sw = derivation {
    name = "system-path";
    system = builtins.currentSystem;
    builder = "/bin/sh";
    inherit packages;
    args = [ "-c" "/bin/mkdir -p $out; : > $out/packages; for p in $packages; do echo $p >> $out/packages; done" ];
  };
  switchScript = builtins.toFile "switch-to-configuration" ''
    #!/bin/sh
    # records the activation like the real one would perform it; points current-system at this system
    echo "activating @out@ $1"
    echo "$1 @out@" >> @activationLog@
    case "$1" in switch|test) /bin/ln -sfn @out@ @currentSystem@ ;; esac
    if [ -f @sleepFile@ ]; then /bin/sleep "$(/bin/cat @sleepFile@)"; fi
    echo "done $1"
  '';
in {
  system = derivation {
    name = "nixos-system-fixture-${label}";
    system = builtins.currentSystem;
    builder = "/bin/sh";
    inherit kernel sw activationLog currentSystem label switchScript sleepFile;
    args = [ "-c" ''
      /bin/mkdir -p $out/bin
      echo "24.11.$label" > $out/nixos-version
      /bin/ln -s $kernel/bzImage $out/kernel
      /bin/ln -s $sw $out/sw
      /bin/sed -e "s|@out@|$out|g" -e "s|@activationLog@|$activationLog|g" -e "s|@currentSystem@|$currentSystem|g" -e "s|@sleepFile@|$sleepFile|g" $switchScript > $out/bin/switch-to-configuration
      /bin/chmod +x $out/bin/switch-to-configuration
    '' ];
  };
}
