# NixOS Companion as a Nix package: the npm build (Vite renderer + esbuild bundles) run by
# buildNpmPackage, launched by nixpkgs' Electron (the npm Electron binary does not run on NixOS).
{
  lib,
  buildNpmPackage,
  importNpmLock,
  nodejs_20,
  electron,
  makeWrapper,
  sqlite,
}:

let
  packageJson = lib.importJSON ../package.json;
in
buildNpmPackage {
  pname = "nixos-companion";
  inherit (packageJson) version;

  src = lib.fileset.toSource {
    root = ../.;
    fileset = lib.fileset.unions [
      ../package.json
      ../package-lock.json
      ../tsconfig.json
      ../vite.config.ts
      ../electron
      ../renderer
      ../shared
      ../scripts
      ../build
    ];
  };

  nodejs = nodejs_20;
  # The npm dependencies, one fixed-output fetch per package checked against package-lock.json's own
  # integrity hashes: no npmDepsHash to keep up to date (nixpkgs' importNpmLock).
  npmDeps = importNpmLock {
    package = packageJson;
    packageLock = import ./npm-lock.nix { lockFile = ../package-lock.json; };
  };
  npmConfigHook = importNpmLock.npmConfigHook;

  env.ELECTRON_SKIP_BINARY_DOWNLOAD = "1";
  nativeBuildInputs = [ makeWrapper ];

  # scripts/build.mjs: the renderer into dist/renderer, main process, preload and helper into dist/
  npmBuildScript = "build";

  installPhase = ''
    runHook preInstall

    app=$out/share/nixos-companion
    mkdir -p $app/build
    # The bundles are self-contained: no node_modules at run time.
    cp -r package.json dist $app/
    cp -r build/icons $app/build/

    helper=$out/libexec/nixos-companion/nixos-companion-helper
    makeWrapper ${lib.getExe electron} $helper \
      --set ELECTRON_RUN_AS_NODE 1 \
      --add-flags $app/dist/helper/helper.mjs

    makeWrapper ${lib.getExe electron} $out/bin/nixos-companion \
      --add-flags $app \
      --set-default NIXOS_COMPANION_HELPER $helper \
      --prefix PATH : ${lib.makeBinPath [ sqlite ]} \
      --add-flags "\''${NIXOS_OZONE_WL:+\''${WAYLAND_DISPLAY:+--ozone-platform-hint=auto --enable-features=WaylandWindowDecorations}}"

    install -Dm644 build/nixos-companion.desktop $out/share/applications/nixos-companion.desktop
    install -Dm644 build/icons/nixos-companion.svg $out/share/icons/hicolor/scalable/apps/nixos-companion.svg
    for png in build/icons/*x*.png; do
      size=$(basename $png .png)
      install -Dm644 $png $out/share/icons/hicolor/$size/apps/nixos-companion.png
    done

    # The policy names the helper by its store path, which is where pkexec will find it.
    install -Dm644 build/polkit/org.nixos.companion.policy $out/share/polkit-1/actions/org.nixos.companion.policy
    substituteInPlace $out/share/polkit-1/actions/org.nixos.companion.policy \
      --replace-fail /usr/lib/nixos-companion/nixos-companion-helper $helper

    runHook postInstall
  '';

  meta = {
    description = packageJson.description;
    mainProgram = "nixos-companion";
    license = lib.licenses.mit;
    platforms = lib.platforms.linux;
  };
}
