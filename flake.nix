{
  description = "NixOS Companion: a desktop app that makes NixOS approachable";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs =
    { self, nixpkgs }:
    let
      systems = [
        "x86_64-linux"
        "aarch64-linux"
      ];
      forAllSystems = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
    in
    {
      packages = forAllSystems (pkgs: rec {
        nixos-companion = pkgs.callPackage ./nix/package.nix { };
        default = nixos-companion;
      });

      # `nix run` starts the app
      apps = forAllSystems (pkgs: {
        default = {
          type = "app";
          program = "${self.packages.${pkgs.stdenv.hostPlatform.system}.default}/bin/nixos-companion";
        };
      });

      overlays.default = final: _prev: { nixos-companion = final.callPackage ./nix/package.nix { }; };

      # programs.nixos-companion.enable = true;
      nixosModules.default = import ./nix/module.nix self;
      nixosModules.nixos-companion = self.nixosModules.default;

      devShells = forAllSystems (pkgs: {
        default = import ./nix/shell.nix { inherit pkgs; };
      });
    };
}
