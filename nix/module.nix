# The NixOS module: `programs.nixos-companion.enable = true;` installs the app, its root helper, the
# polkit policy that lets pkexec run the helper with the app's own password prompts, and the helper's
# root-owned settings.
self:
{
  config,
  lib,
  pkgs,
  ...
}:

let
  cfg = config.programs.nixos-companion;
  nix = config.nix.package;
  systemd = config.systemd.package;
  # Under pkexec the helper reads only /etc/nixos-companion/host.json (keys: the README's "Host
  # environment"). It names the tools this system was built with, so the helper runs the same Nix and
  # nixos-rebuild as a terminal would, whatever PATH pkexec gives it.
  helperHost = {
    commands = {
      nixos-rebuild = "${config.system.build.nixos-rebuild}/bin/nixos-rebuild";
      nix = "${nix}/bin/nix";
      nix-build = "${nix}/bin/nix-build";
      nix-channel = "${nix}/bin/nix-channel";
      nix-collect-garbage = "${nix}/bin/nix-collect-garbage";
      nix-env = "${nix}/bin/nix-env";
      nix-instantiate = "${nix}/bin/nix-instantiate";
      nix-store = "${nix}/bin/nix-store";
      systemd-run = "${systemd}/bin/systemd-run";
      udevadm = "${systemd}/bin/udevadm";
      git = "${pkgs.git}/bin/git";
    };
  };
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

    helperSettings = lib.mkOption {
      type = lib.types.attrsOf lib.types.anything;
      default = { };
      example = lib.literalExpression ''{ nixosConfigDir = "/etc/nixos"; commands.git = "''${pkgs.gitMinimal}/bin/git"; }'';
      description = "Host settings for the root helper, merged over the module's own into /etc/nixos-companion/host.json (the keys of the README's \"Host environment\"; unknown keys are an error).";
    };
  };

  config = lib.mkIf cfg.enable {
    # the app (bin/, the .desktop entry, icons) and the helper in its libexec/
    environment.systemPackages = [ cfg.package ];

    # pkexec and the policy: polkit reads actions from share/polkit-1 of the system packages
    security.polkit.enable = true;
    environment.pathsToLink = [ "/share/polkit-1" ];

    environment.etc."nixos-companion/host.json".text = builtins.toJSON (lib.recursiveUpdate helperHost cfg.helperSettings);
  };
}
