import { create } from 'zustand';

export const areas = ['home', 'install', 'system', 'home-manager', 'search', 'learn'] as const;
export type Area = (typeof areas)[number];

interface NavigationState {
  area: Area;
  /** the rest of the hash after the area, e.g. "generations/12" */
  path: string;
  go(area: Area, path?: string): void;
}

function parseHash(hash: string): { area: Area; path: string } {
  const [first = '', ...rest] = hash.replace(/^#\/?/, '').split('/');
  const area = (areas as readonly string[]).includes(first) ? (first as Area) : 'home';
  return { area, path: rest.join('/') };
}

/** Hash-based navigation, so a reload or a link (`#/system/generations`) lands on the same page. */
export const useNavigation = create<NavigationState>((set) => ({
  ...parseHash(window.location.hash),
  go(area, path = '') {
    const hash = `#/${area}${path ? `/${path}` : ''}`;
    if (window.location.hash !== hash) window.location.hash = hash;
    set({ area, path });
  },
}));

window.addEventListener('hashchange', () => useNavigation.setState(parseHash(window.location.hash)));
