# Development shell: Node, nixpkgs' Electron (the npm one does not run on NixOS), Chromium for the
# Playwright tests, nix, and the tools the packaging tests use.
{
  pkgs ? import <nixpkgs> { },
}:

pkgs.mkShell {
  packages = [
    pkgs.nodejs_20
    pkgs.electron
    pkgs.chromium
    pkgs.nix
    pkgs.desktop-file-utils
    pkgs.libxml2
  ];

  # npm install must not download Electron; the electron package and `npm start` use this one
  ELECTRON_SKIP_BINARY_DOWNLOAD = "1";
  ELECTRON_OVERRIDE_DIST_PATH = "${pkgs.electron}/bin";
  CHROMIUM_PATH = "${pkgs.chromium}/bin/chromium";
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD = "1";
}
