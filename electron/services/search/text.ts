/**
 * How names, descriptions and queries are cut into terms. The index and the query parser share these,
 * so a term means the same thing on both sides.
 */

/** lower case, `_` and `-` the same */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/_/g, '-');
}

/** words that carry no meaning in a search ("how to enable the ssh server") */
export const stopWords = new Set([
  'a', 'an', 'the', 'to', 'of', 'for', 'in', 'on', 'and', 'or', 'with', 'is', 'it', 'be', 'as', 'by', 'at', 'this', 'that', 'from',
  'how', 'do', 'i', 'my', 'me', 'want', 'can', 'use', 'using', 'set', 'setup', 'up', 'get', 'install', 'add', 'which', 'what', 'when', 'are', 'will', 'if', 'not', 'you', 'your', 'without',
]);

/** plural and trivial inflections, so "servers" finds "server" (descriptions only; names are exact) */
export function stem(word: string): string {
  if (word.length <= 3) return word;
  if (word.endsWith('ies') && word.length > 4) return `${word.slice(0, -3)}y`;
  if (word.endsWith('sses')) return word.slice(0, -2);
  if (word.endsWith('ss') || word.endsWith('us') || word.endsWith('is')) return word;
  if (word.endsWith('s')) return word.slice(0, -1);
  return word;
}

const camelParts = /[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+/g;

/**
 * The terms of one name segment: the segment itself (normalized), the same without separators,
 * its `-`/`_` parts and its camelCase parts. "PermitRootLogin" -> permitrootlogin, permit, root, login.
 */
export function segmentTerms(segment: string): string[] {
  const whole = normalizeName(segment);
  const out = new Set<string>([whole]);
  const compact = whole.replace(/-/g, '');
  if (compact) out.add(compact);
  for (const part of segment.split(/[-_]+/)) {
    if (!part) continue;
    out.add(part.toLowerCase());
    const pieces = part.match(camelParts);
    if (pieces && pieces.length > 1) for (const p of pieces) out.add(p.toLowerCase());
  }
  out.delete('');
  return [...out];
}

/** option paths carry placeholders that are not words */
export function isPlaceholderSegment(segment: string): boolean {
  return segment === '<name>' || segment === '*' || segment === '<name?>' || /^<.*>$/.test(segment);
}

/** words of a description: lower case, stemmed, without stop words or one-letter pieces */
export function textTerms(text: string): string[] {
  const out = new Set<string>();
  for (const raw of text.toLowerCase().split(/[^a-z0-9]+/)) {
    if (raw.length < 2 || stopWords.has(raw)) continue;
    out.add(stem(raw));
  }
  return [...out];
}

/** Damerau-Levenshtein (optimal string alignment) distance, stopping early above `max`. */
export function editDistance(a: string, b: string, max: number): number {
  const la = a.length;
  const lb = b.length;
  if (Math.abs(la - lb) > max) return max + 1;
  let prevPrev = new Array<number>(lb + 1).fill(0);
  let prev = Array.from({ length: lb + 1 }, (_, j) => j);
  let cur = new Array<number>(lb + 1).fill(0);
  for (let i = 1; i <= la; i++) {
    cur[0] = i;
    let rowMin = cur[0];
    for (let j = 1; j <= lb; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a.charCodeAt(i - 1) === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === b.charCodeAt(j - 1)) v = Math.min(v, prevPrev[j - 2]! + 1);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    [prevPrev, prev, cur] = [prev, cur, prevPrev];
  }
  return prev[lb]!;
}

/** FNV-1a, for the typo table's keys (collisions only add candidates, which are then checked) */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** the term and every string one deletion away from it */
export function deletionKeys(term: string): string[] {
  const keys = [term];
  for (let i = 0; i < term.length; i++) keys.push(term.slice(0, i) + term.slice(i + 1));
  return keys;
}

/**
 * What people mean by common words that rarely appear in the names they are looking for:
 * "ssh server" is services.openssh, "sound" is PipeWire or PulseAudio. Keys are one or two words
 * (two-word keys are read as a phrase); values are name words to look for as well, slightly weaker
 * than the words typed.
 */
export const synonyms: Record<string, string[]> = {
  ssh: ['openssh', 'sshd'],
  'ssh server': ['openssh', 'sshd'],
  'ssh client': ['openssh', 'ssh'],
  sshd: ['openssh'],
  'web server': ['nginx', 'httpd', 'caddy', 'lighttpd'],
  webserver: ['nginx', 'httpd', 'caddy', 'lighttpd'],
  'reverse proxy': ['nginx', 'caddy', 'traefik', 'haproxy'],
  apache: ['httpd'],
  sound: ['pipewire', 'pulseaudio', 'alsa', 'audio'],
  audio: ['pipewire', 'pulseaudio', 'alsa', 'sound'],
  printer: ['printing', 'cups'],
  printing: ['cups'],
  print: ['printing', 'cups'],
  scanner: ['sane'],
  scanning: ['sane'],
  vpn: ['wireguard', 'openvpn', 'tailscale', 'zerotierone'],
  wifi: ['wireless', 'networkmanager', 'iwd', 'wpa-supplicant'],
  wireless: ['networkmanager', 'iwd', 'wpa-supplicant'],
  network: ['networking', 'networkmanager'],
  browser: ['firefox', 'chromium'],
  'web browser': ['firefox', 'chromium'],
  editor: ['vim', 'neovim', 'emacs', 'nano', 'helix'],
  'text editor': ['vim', 'neovim', 'emacs', 'nano', 'helix'],
  container: ['docker', 'podman', 'containers'],
  containers: ['docker', 'podman'],
  'virtual machine': ['libvirtd', 'virtualbox', 'qemu'],
  vm: ['libvirtd', 'virtualbox', 'qemu'],
  virtualization: ['virtualisation', 'libvirtd'],
  virtualisation: ['libvirtd'],
  database: ['postgresql', 'mysql', 'mariadb', 'sqlite'],
  postgres: ['postgresql'],
  mail: ['postfix', 'dovecot2', 'email'],
  email: ['postfix', 'dovecot2', 'mail'],
  'mail server': ['postfix', 'dovecot2', 'opensmtpd'],
  dns: ['bind', 'unbound', 'dnsmasq', 'resolved'],
  ntp: ['timesyncd', 'chrony', 'ntpd'],
  'time sync': ['timesyncd', 'chrony', 'ntpd'],
  timezone: ['timezone', 'time'],
  desktop: ['xserver', 'desktopmanager'],
  'desktop environment': ['gnome', 'plasma6', 'xfce'],
  kde: ['plasma6', 'plasma5'],
  plasma: ['plasma6'],
  'display manager': ['displaymanager', 'gdm', 'sddm', 'lightdm'],
  'login manager': ['displaymanager', 'gdm', 'sddm', 'lightdm'],
  login: ['displaymanager', 'autologin'],
  'auto login': ['autologin'],
  x11: ['xserver'],
  xorg: ['xserver'],
  gpu: ['graphics', 'nvidia', 'opengl'],
  graphics: ['opengl', 'nvidia'],
  opengl: ['graphics'],
  'graphics driver': ['graphics', 'nvidia', 'videodrivers'],
  nvidia: ['nvidia'],
  keyboard: ['xkb', 'keymap'],
  'keyboard layout': ['xkb', 'keymap'],
  layout: ['xkb'],
  user: ['users'],
  account: ['users'],
  shell: ['zsh', 'bash', 'fish', 'defaultusershell'],
  font: ['fonts', 'fontconfig'],
  fonts: ['fontconfig'],
  backup: ['borgbackup', 'restic'],
  swap: ['swapdevices', 'zram', 'zramswap'],
  bootloader: ['systemd-boot', 'grub', 'loader'],
  boot: ['loader', 'systemd-boot', 'grub'],
  'boot loader': ['systemd-boot', 'grub', 'loader'],
  grub: ['grub'],
  'garbage collection': ['gc'],
  garbage: ['gc'],
  cleanup: ['gc', 'optimise'],
  flakes: ['experimental-features', 'flake'],
  flake: ['experimental-features', 'flakes'],
  cache: ['substituters', 'binary-caches'],
  'binary cache': ['substituters', 'trusted-public-keys'],
  unfree: ['allowunfree'],
  firewall: ['firewall'],
  port: ['ports', 'allowedtcpports'],
  ports: ['allowedtcpports', 'allowedudpports'],
  'open port': ['allowedtcpports', 'allowedudpports', 'openfirewall'],
  hostname: ['hostname', 'hostname'],
  locale: ['i18n', 'defaultlocale'],
  language: ['i18n', 'defaultlocale'],
  sudo: ['sudo', 'wheel'],
  admin: ['wheel', 'sudo'],
  password: ['passwordauthentication', 'hashedpassword', 'initialpassword'],
  'root login': ['permitrootlogin'],
  game: ['steam', 'gamemode'],
  gaming: ['steam', 'gamemode'],
  games: ['steam'],
  torrent: ['transmission', 'qbittorrent', 'deluge'],
  media: ['jellyfin', 'plex'],
  'media server': ['jellyfin', 'plex', 'emby'],
  git: ['git'],
  'git server': ['gitea', 'forgejo', 'gitlab'],
  cloud: ['nextcloud'],
  monitoring: ['prometheus', 'grafana'],
  metrics: ['prometheus'],
  'power management': ['tlp', 'powermanagement', 'upower'],
  power: ['powermanagement', 'tlp', 'upower'],
  battery: ['tlp', 'upower'],
  laptop: ['tlp', 'powermanagement'],
  touchpad: ['libinput'],
  mouse: ['libinput'],
  bluetooth: ['bluetooth', 'blueman'],
  flatpak: ['flatpak'],
  appimage: ['appimage', 'appimage-run'],
  cron: ['cron', 'timers'],
  schedule: ['cron', 'timers'],
  'file sharing': ['samba', 'nfs'],
  share: ['samba', 'nfs'],
  smb: ['samba'],
  windows: ['samba', 'wine'],
  screenshot: ['flameshot', 'grim', 'scrot'],
  terminal: ['alacritty', 'kitty', 'wezterm'],
  'password manager': ['keepassxc', 'bitwarden'],
  search: ['ripgrep', 'fd'],
  grep: ['ripgrep', 'gnugrep'],
  find: ['fd', 'findutils'],
  video: ['mpv', 'vlc', 'ffmpeg'],
  'video player': ['mpv', 'vlc'],
  music: ['spotify', 'mpd'],
  chat: ['discord', 'element-desktop', 'signal-desktop'],
  office: ['libreoffice'],
  pdf: ['zathura', 'evince'],
  'image editor': ['gimp', 'krita'],
  vscode: ['vscode', 'vscodium'],
  'vs code': ['vscode'],
  python: ['python3', 'python313'],
  node: ['nodejs', 'nodejs_22'],
  javascript: ['nodejs'],
  rust: ['rustc', 'cargo'],
  c: ['gcc', 'clang'],
  compiler: ['gcc', 'clang'],
  java: ['jdk', 'openjdk'],
  kubernetes: ['kubectl', 'k3s', 'kubernetes'],
  k8s: ['kubernetes', 'k3s', 'kubectl'],
  tailscale: ['tailscale'],
};

/** the synonym list for a one- or two-word key, normalized */
export function synonymsOf(key: string): string[] {
  return (synonyms[key] ?? []).map(normalizeName).filter((s) => s !== key);
}
