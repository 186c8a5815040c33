/**
 * NixOS vocabulary: the words a newcomer types next to the words NixOS uses for the same thing.
 *
 * Someone new types "cups", "dns servers" or "allow unfree"; NixOS calls these services.printing,
 * networking.nameservers and nixpkgs.config. Each concept below lists what people say (`say`: words
 * and phrases of up to three words) and what NixOS and nixpkgs call it (`nixos`: name words, compared
 * as whole words, or option paths with a dot, which stand for that option and the options under it).
 * The first NixOS name of a concept is its most usual meaning and ranks a little above the others.
 *
 * How the search uses it (engine.ts): every query word, and every phrase of two or three words in the
 * query, is looked up here; the NixOS words found are searched as well as the word typed, at a lower
 * weight (weights.synonym), so an exact hit on the word typed always comes first. When the vocabulary
 * covers the whole query ("pdf reader", "enable flakes", "static ip address"), its NixOS names also
 * count as if the query had named them (a package, a module's enable switch, an option path), again at
 * the lower weight.
 *
 * Entries come from how NixOS and nixpkgs name things (module names, option names, package names),
 * not from any particular query set. Keep each list short: a target that is too general (a word in
 * hundreds of names) makes results worse, not better.
 */
import { normalizeName, stem } from './text';

export interface Concept {
  /** what people type: words and phrases of up to three words, lower case */
  say: string[];
  /** what NixOS calls it: name words, or option paths (containing a dot) */
  nixos: string[];
}

export const vocabulary: Concept[] = [
  // --- system services
  { say: ['ssh', 'sshd', 'ssh server', 'remote login'], nixos: ['openssh', 'sshd'] },
  { say: ['ssh client'], nixos: ['openssh', 'ssh'] },
  { say: ['printer', 'printers', 'printing', 'print', 'cups'], nixos: ['printing', 'cups'] },
  { say: ['scanner', 'scanning'], nixos: ['sane'] },
  { say: ['sound', 'audio', 'sound server', 'speakers', 'microphone'], nixos: ['pipewire', 'pulseaudio', 'alsa', 'audio', 'sound'] },
  { say: ['bluetooth', 'bluetooth headset', 'bluetooth audio'], nixos: ['bluetooth', 'blueman'] },
  { say: ['web server', 'webserver', 'http server'], nixos: ['nginx', 'httpd', 'caddy', 'lighttpd'] },
  { say: ['reverse proxy'], nixos: ['nginx', 'caddy', 'traefik', 'haproxy'] },
  { say: ['apache'], nixos: ['httpd'] },
  { say: ['database', 'sql'], nixos: ['postgresql', 'mysql', 'mariadb', 'sqlite'] },
  { say: ['postgres'], nixos: ['postgresql'] },
  { say: ['mail server', 'smtp'], nixos: ['postfix', 'dovecot2', 'opensmtpd'] },
  { say: ['email', 'e-mail', 'mail', 'email client'], nixos: ['mail', 'email', 'thunderbird', 'aerc', 'neomutt'] },
  { say: ['dns', 'dns server', 'dns servers', 'name server', 'nameserver', 'resolver'], nixos: ['networking.nameservers', 'nameservers', 'resolved', 'dnsmasq', 'unbound'] },
  { say: ['ntp', 'time sync', 'clock sync'], nixos: ['timesyncd', 'chrony', 'ntpd', 'networking.timeservers'] },
  { say: ['timezone', 'time zone'], nixos: ['time.timezone', 'timezone'] },
  { say: ['cron', 'schedule', 'scheduled task', 'timer'], nixos: ['cron', 'timers', 'startat'] },
  { say: ['backup', 'backups'], nixos: ['borgbackup', 'restic', 'borgmatic'] },
  { say: ['file sharing', 'windows share', 'smb', 'network share'], nixos: ['samba', 'nfs'] },
  { say: ['windows'], nixos: ['samba', 'wine'] },
  { say: ['media server'], nixos: ['jellyfin', 'plex'] },
  { say: ['git server', 'git hosting'], nixos: ['gitea', 'forgejo', 'gitlab'] },
  { say: ['monitoring', 'metrics'], nixos: ['prometheus', 'grafana'] },
  { say: ['remote desktop', 'rdp', 'vnc'], nixos: ['xrdp', 'wayvnc', 'tigervnc'] },
  { say: ['firmware', 'firmware update', 'firmware updates', 'bios update'], nixos: ['fwupd', 'enableredistributablefirmware', 'enableallfirmware'] },
  { say: ['fingerprint', 'fingerprint reader'], nixos: ['fprintd'] },
  { say: ['out of memory', 'oom', 'oom killer'], nixos: ['earlyoom', 'oomd'] },
  { say: ['logs', 'logging', 'system log'], nixos: ['journald', 'syslog', 'rsyslogd'] },
  { say: ['brute force', 'ban ip'], nixos: ['fail2ban'] },

  // --- networking
  { say: ['wifi', 'wi-fi', 'wireless', 'wlan'], nixos: ['wireless', 'networkmanager', 'iwd', 'wpa-supplicant'] },
  { say: ['network', 'internet connection', 'ethernet'], nixos: ['networking', 'networkmanager'] },
  { say: ['static ip', 'static address', 'fixed ip', 'ip address'], nixos: ['networking.interfaces.<name>.ipv4.addresses', 'ipv4', 'ipv6', 'defaultgateway'] },
  { say: ['ip'], nixos: ['ipv4', 'ipv6'] },
  { say: ['gateway', 'router'], nixos: ['defaultgateway'] },
  { say: ['vpn'], nixos: ['wireguard', 'openvpn', 'tailscale', 'zerotierone', 'netbird'] },
  { say: ['open port', 'open ports', 'port', 'ports'], nixos: ['networking.firewall.allowedtcpports', 'allowedtcpports', 'allowedudpports', 'openfirewall'] },
  { say: ['hostname', 'host name', 'computer name'], nixos: ['networking.hostname', 'hostname'] },
  { say: ['hosts file', 'etc hosts'], nixos: ['networking.hosts', 'networking.extrahosts'] },
  { say: ['mdns', 'bonjour', 'zeroconf', 'local hostnames'], nixos: ['avahi', 'nssmdns4'] },

  // --- desktop and hardware
  { say: ['desktop', 'desktop environment', 'gui'], nixos: ['xserver', 'desktopmanager', 'gnome', 'plasma6', 'xfce'] },
  { say: ['kde', 'plasma'], nixos: ['plasma6', 'plasma5'] },
  { say: ['display manager', 'login manager', 'login screen', 'greeter'], nixos: ['displaymanager', 'gdm', 'sddm', 'lightdm', 'greetd'] },
  { say: ['auto login', 'autologin', 'automatic login'], nixos: ['autologin'] },
  { say: ['x11', 'xorg', 'x server'], nixos: ['xserver'] },
  { say: ['wayland', 'wayland compositor'], nixos: ['wayland', 'wlr', 'sway', 'hyprland', 'niri'] },
  { say: ['screen sharing', 'screen share', 'screencast', 'file picker'], nixos: ['portal', 'xdg.portal', 'wlr'] },
  { say: ['gpu', 'graphics', 'graphics driver', 'graphics drivers', 'video driver', 'video drivers', 'opengl', 'vulkan'], nixos: ['graphics', 'videodrivers', 'opengl', 'nvidia', 'amdgpu'] },
  { say: ['nvidia', 'nvidia driver', 'cuda'], nixos: ['services.xserver.videodrivers', 'nvidia', 'videodrivers'] },
  { say: ['amd', 'radeon'], nixos: ['amdgpu'] },
  { say: ['keyboard', 'keyboard layout', 'layout', 'keymap'], nixos: ['services.xserver.xkb.layout', 'console.keymap', 'xkb', 'keymap', 'layout'] },
  { say: ['touchpad', 'trackpad', 'mouse', 'tap to click'], nixos: ['libinput', 'touchpad'] },
  { say: ['power saving', 'power management', 'battery', 'battery life', 'laptop', 'powersave', 'cpu frequency'], nixos: ['tlp', 'powermanagement', 'power-profiles-daemon', 'powertop', 'auto-cpufreq', 'upower'] },
  { say: ['suspend', 'hibernate', 'sleep', 'lid'], nixos: ['suspend', 'hibernate', 'lidswitch', 'resumedevice'] },
  { say: ['font', 'fonts'], nixos: ['fonts.packages', 'fonts', 'fontconfig'] },
  { say: ['language', 'locale'], nixos: ['i18n.defaultlocale', 'i18n', 'defaultlocale'] },
  { say: ['input method', 'chinese input', 'japanese input'], nixos: ['inputmethod', 'fcitx5', 'ibus'] },
  { say: ['appimage'], nixos: ['appimage', 'appimage-run'] },
  { say: ['gaming', 'game', 'games'], nixos: ['steam', 'gamemode', 'lutris'] },

  // --- boot, kernel, storage
  { say: ['bootloader', 'boot loader', 'boot', 'uefi', 'efi'], nixos: ['loader', 'systemd-boot', 'grub', 'efi'] },
  { say: ['dual boot', 'windows boot'], nixos: ['useosprober', 'grub'] },
  { say: ['kernel', 'linux kernel', 'latest kernel', 'newer kernel'], nixos: ['boot.kernelpackages', 'kernelpackages', 'kernelmodules', 'kernelparams'] },
  { say: ['kernel parameter', 'kernel parameters', 'boot parameters', 'kernel command line'], nixos: ['boot.kernelparams', 'kernelparams'] },
  { say: ['swap', 'swap file', 'swap partition'], nixos: ['swapdevices', 'zramswap'] },
  { say: ['zram', 'compressed swap', 'compressed memory'], nixos: ['zramswap'] },
  { say: ['disk encryption', 'encrypted disk', 'encryption', 'luks'], nixos: ['luks', 'initrd'] },
  { say: ['mount', 'mount disk', 'partition', 'drive'], nixos: ['filesystems'] },
  { say: ['trim', 'ssd'], nixos: ['fstrim'] },

  // --- users and security
  { say: ['user', 'users', 'account', 'user account'], nixos: ['users'] },
  { say: ['group', 'groups', 'user group'], nixos: ['users.users.<name>.extragroups', 'extragroups', 'groups'] },
  { say: ['admin', 'administrator', 'root access', 'sudoers'], nixos: ['sudo', 'wheelneedspassword', 'extrarules'] },
  { say: ['password', 'passwords'], nixos: ['passwordauthentication', 'hashedpassword', 'initialpassword'] },
  { say: ['root login'], nixos: ['permitrootlogin'] },
  { say: ['shell', 'default shell', 'login shell'], nixos: ['zsh', 'bash', 'fish', 'defaultusershell', 'shell'] },
  { say: ['environment variable', 'environment variables', 'env var', 'env vars'], nixos: ['environment.variables', 'home.sessionvariables', 'sessionvariables', 'variables'] },
  { say: ['alias', 'aliases', 'shell alias', 'shell aliases'], nixos: ['environment.shellaliases', 'home.shellaliases', 'shellaliases'] },

  // --- Nix itself
  { say: ['flakes', 'flake', 'experimental features', 'nix command'], nixos: ['nix.settings', 'nix.extraoptions', 'flake'] },
  { say: ['unfree', 'non-free', 'nonfree', 'proprietary', 'allow unfree'], nixos: ['nixpkgs.config'] },
  { say: ['garbage collection', 'garbage collect', 'garbage', 'collect garbage', 'cleanup', 'old generations', 'delete generations', 'free disk space'], nixos: ['nix.gc.automatic', 'nix.gc', 'gc', 'optimise', 'configurationlimit'] },
  { say: ['auto update', 'auto upgrade', 'automatic updates', 'automatic upgrade', 'unattended upgrades', 'update automatically'], nixos: ['system.autoupgrade.enable', 'autoupgrade'] },
  { say: ['binary cache', 'cache', 'cachix', 'substituter'], nixos: ['nix.settings.substituters', 'substituters', 'trusted-public-keys'] },
  { say: ['overlay', 'overlays'], nixos: ['overlays'] },
  { say: ['install package', 'system packages', 'packages'], nixos: ['environment.systempackages', 'home.packages', 'systempackages'] },
  { say: ['run binaries', 'foreign binaries', 'dynamically linked'], nixos: ['nix-ld', 'envfs'] },

  // --- virtualisation and containers
  { say: ['container', 'containers', 'run containers'], nixos: ['docker', 'podman', 'containers', 'oci-containers'] },
  { say: ['virtual machine', 'virtual machines', 'vm', 'vms', 'virtualization', 'kvm'], nixos: ['libvirtd', 'virtualbox', 'qemu', 'virtualisation'] },
  { say: ['android'], nixos: ['adb', 'waydroid', 'android-tools'] },
  { say: ['kubernetes', 'k8s'], nixos: ['kubernetes', 'k3s', 'kubectl'] },

  // --- applications people look for by kind (nixpkgs attribute names)
  { say: ['browser', 'web browser'], nixos: ['firefox', 'chromium', 'librewolf', 'brave'] },
  { say: ['editor', 'text editor', 'code editor', 'ide'], nixos: ['vim', 'neovim', 'emacs', 'nano', 'helix', 'vscode'] },
  { say: ['vs code', 'visual studio code'], nixos: ['vscode', 'vscodium'] },
  { say: ['terminal', 'terminal emulator'], nixos: ['alacritty', 'kitty', 'wezterm', 'foot', 'ghostty'] },
  { say: ['pdf', 'pdf reader', 'pdf viewer', 'document viewer'], nixos: ['zathura', 'evince', 'okular', 'mupdf', 'sioyek'] },
  { say: ['ebook', 'e-book', 'ebooks', 'epub', 'ebook reader', 'e-reader'], nixos: ['calibre', 'foliate', 'koreader', 'epub'] },
  { say: ['office', 'office suite', 'word processor', 'spreadsheet'], nixos: ['libreoffice', 'onlyoffice-desktopeditors'] },
  { say: ['image editor', 'photo editor', 'photoshop'], nixos: ['gimp', 'krita', 'darktable'] },
  { say: ['vector graphics', 'illustrator', 'svg editor'], nixos: ['inkscape'] },
  { say: ['video player', 'media player', 'movie player'], nixos: ['mpv', 'vlc', 'celluloid'] },
  { say: ['video editor', 'video editing'], nixos: ['kdenlive', 'shotcut', 'openshot-qt', 'davinci-resolve'] },
  { say: ['screen recorder', 'screen recording', 'record screen'], nixos: ['obs-studio', 'simplescreenrecorder', 'wf-recorder'] },
  { say: ['screenshot', 'screenshot tool', 'screen capture'], nixos: ['flameshot', 'grim', 'scrot', 'spectacle'] },
  { say: ['music', 'music player'], nixos: ['spotify', 'mpd', 'rhythmbox', 'strawberry'] },
  { say: ['chat', 'messenger'], nixos: ['discord', 'element-desktop', 'signal-desktop', 'telegram-desktop'] },
  { say: ['torrent', 'bittorrent', 'torrent client'], nixos: ['transmission', 'qbittorrent', 'deluge'] },
  { say: ['password manager'], nixos: ['keepassxc', 'bitwarden', 'bitwarden-desktop'] },
  { say: ['file manager'], nixos: ['nautilus', 'dolphin', 'thunar', 'pcmanfm', 'yazi'] },
  { say: ['disk usage', 'disk space'], nixos: ['ncdu', 'duf', 'dust', 'baobab'] },
  { say: ['partition editor', 'partitioning', 'partition manager'], nixos: ['gparted', 'parted'] },
  { say: ['system monitor', 'process viewer', 'task manager'], nixos: ['htop', 'btop', 'bottom'] },
  { say: ['file sync', 'sync files', 'cloud sync', 'cloud storage'], nixos: ['syncthing', 'rclone', 'nextcloud'] },
  { say: ['youtube', 'youtube downloader', 'download video'], nixos: ['yt-dlp'] },
  { say: ['search', 'grep'], nixos: ['ripgrep', 'fd', 'gnugrep'] },
  { say: ['python package manager', 'python package installer', 'pip', 'pypi'], nixos: ['pip', 'uv', 'pipx', 'poetry'] },
  { say: ['python'], nixos: ['python3', 'python313'] },
  { say: ['node', 'javascript', 'nodejs'], nixos: ['nodejs'] },
  { say: ['rust'], nixos: ['rustc', 'cargo', 'rustup'] },
  { say: ['c compiler', 'compiler'], nixos: ['gcc', 'clang'] },
  { say: ['java', 'jdk'], nixos: ['jdk', 'openjdk'] },
  { say: ['nix formatter', 'format nix'], nixos: ['nixfmt-rfc-style', 'nixpkgs-fmt', 'alejandra'] },
  { say: ['nix language server', 'nix lsp'], nixos: ['nil', 'nixd'] },
];

/**
 * Words that say what to do with a thing rather than what it is ("enable flakes", "configure ssh"):
 * they still count towards a document's score, but a document need not contain them.
 */
export const actionWords = new Set(['enable', 'enabling', 'enabled', 'activate', 'configure', 'turn']);

/** what a word or phrase is looked up by: lower case, `_` as `-`, single spaces */
function key(text: string): string {
  return normalizeName(text).trim().split(/\s+/).join(' ');
}

/** every way of saying, to the NixOS names it stands for */
const lookup = new Map<string, string[]>();
for (const concept of vocabulary) {
  const targets = concept.nixos.map(normalizeName);
  for (const said of concept.say) {
    for (const k of new Set([key(said), key(said).replace(/-/g, '')])) lookup.set(k, [...new Set([...(lookup.get(k) ?? []), ...targets])]);
  }
}

/**
 * The NixOS names for a word or phrase as typed ("cups", "static ip"), without the phrase's own words;
 * a plural is found by its singular. Empty when the vocabulary does not know it.
 */
export function nixosWordsFor(text: string): string[] {
  const k = key(text);
  const words = k.split(' ');
  const found = lookup.get(k) ?? lookup.get(k.replace(/-/g, '')) ?? lookup.get([...words.slice(0, -1), stem(words.at(-1)!)].join(' ')) ?? [];
  return found.filter((t) => !words.includes(t));
}
