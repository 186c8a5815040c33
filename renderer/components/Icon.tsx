/** Line icons drawn for this app on a 24px grid (stroke, no fill), so they follow the text colour. */
const paths = {
  home: 'M3 10.5 12 3l9 7.5V20a1 1 0 0 1-1 1h-5v-6h-6v6H4a1 1 0 0 1-1-1z',
  usb: 'M9 2h6v5H9zM7 7h10v9a5 5 0 0 1-10 0zM10 4h.01M14 4h.01',
  system: 'M4 4h16v11H4zM8 21h8M12 15v6',
  user: 'M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM4 21c0-4 4-6 8-6s8 2 8 6',
  search: 'M11 18a7 7 0 1 0 0-14 7 7 0 0 0 0 14zM21 21l-5-5',
  book: 'M4 5a2 2 0 0 1 2-2h14v16H6a2 2 0 0 0-2 2zM4 21V5M8 7h8',
  alert: 'M12 3 2 20h20zM12 10v4M12 17h.01',
  info: 'M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20zM12 11v6M12 7h.01',
  check: 'M20 6 9 17l-5-5',
  x: 'M18 6 6 18M6 6l12 12',
  refresh: 'M20 11a8 8 0 0 0-14.9-3.5M4 4v4h4M4 13a8 8 0 0 0 14.9 3.5M20 20v-4h-4',
  layers: 'M12 3 2 8l10 5 10-5zM2 13l10 5 10-5M2 18l10 5 10-5',
  history: 'M3 12a9 9 0 1 0 3-6.7L3 8M3 3v5h5M12 7v5l3 3',
  box: 'M21 8 12 3 3 8v8l9 5 9-5zM3 8l9 5 9-5M12 13v8',
  git: 'M6 3v12M18 9a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM6 21a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM18 9a9 9 0 0 1-9 9',
  disk: 'M4 4h16v16H4zM4 14h16M8 17h.01',
  external: 'M14 3h7v7M21 3l-9 9M19 14v6H4V5h6',
  arrowRight: 'M5 12h14M13 6l6 6-6 6',
  snow: 'M12 2v20M4.9 6.5l14.2 11M19.1 6.5 4.9 17.5M9 4l3 3 3-3M9 20l3-3 3 3',
  play: 'M6 4l14 8-14 8z',
  terminal: 'M4 5h16v14H4zM8 10l3 2-3 2M13 15h4',
  sliders: 'M4 6h9M17 6h3M15 4v4M4 12h3M11 12h9M9 10v4M4 18h11M19 18h1M17 16v4',
} as const;

export type IconName = keyof typeof paths;

export function Icon({ name, size = 18, title }: { name: IconName; size?: number; title?: string }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={1.8} strokeLinecap="round" strokeLinejoin="round" aria-hidden={title ? undefined : true} role={title ? 'img' : undefined}>
      {title ? <title>{title}</title> : null}
      <path d={paths[name]} />
    </svg>
  );
}

/** The app mark: a six-armed snowflake of lambdas in the two NixOS blues. */
export function Logo({ size = 34 }: { size?: number }) {
  const arms = [0, 60, 120, 180, 240, 300];
  return (
    <svg width={size} height={size} viewBox="-50 -50 100 100" aria-hidden="true">
      {arms.map((deg, i) => (
        <path key={deg} transform={`rotate(${deg})`} d="M-6 -44 L6 -44 L22 -16 L14 -2 L4 -20 Z" fill={i % 2 ? '#7ebae4' : '#5277c3'} />
      ))}
    </svg>
  );
}
