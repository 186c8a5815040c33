# The NixOS module: `programs.nixos-companion.enable = true;` installs the app, its root helper and
# the polkit policy that lets pkexec run the helper with the app's own password prompt.
self:
{
  config,
  lib,
  pkgs,
  ...
}:

let
  cfg = config.programs.nixos-companion;
in
{
  options.programs.nixos-companion = {
    enable = lib.mkEnableOption "NixOS Companion, a desktop app to roll back, rebuild and manage this NixOS system";

    package = lib.mkOption {
      type = lib.types.package;
      default = self.packages.${pkgs.stdenv.hostPlatform.system}.default;
      defaultText = lib.literalExpression "nixos-companion.packages.\${pkgs.stdenv.hostPlatform.system}.default";
      description = "The NixOS Companion package to install.";
    };
  };

  config = lib.mkIf cfg.enable {
    # the app (bin/, the .desktop entry, icons) and the helper in its libexec/
    environment.systemPackages = [ cfg.package ];

    # pkexec and the policy: polkit reads actions from share/polkit-1 of the system packages
    security.polkit.enable = true;
    environment.pathsToLink = [ "/share/polkit-1" ];
  };
}
