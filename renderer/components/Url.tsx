import { Fragment } from 'react';

/**
 * An address that may not fit its column: it breaks after a `/` (or before `?`, `#`), never inside a
 * word, so `https://nixos.org/channels/nixos-24.11` reads as its parts.
 */
export function Url({ href, className }: { href: string; className?: string }) {
  const parts = href.split(/(?<=\/)(?!\/)|(?=[?#])/);
  return (
    <span className={`url ${className ?? ''}`} title={href}>
      {parts.map((p, i) => (
        <Fragment key={i}>
          {i ? <wbr /> : null}
          {p}
        </Fragment>
      ))}
    </span>
  );
}
