import type { RestartNeeded } from '../../../shared/contract';
import { Banner } from '../../components/ui';

/**
 * A calm note when the running system has a kernel, initrd, kernel modules or systemd the computer did not
 * start with. Running != booted alone is normal after a switch and shows nothing.
 */
export function RestartBanner({ restart }: { restart: RestartNeeded | null | undefined }) {
  if (!restart) return null;
  return (
    <Banner kind="info" title={<span data-testid="restart-title">{restart.title}</span>}>
      <span data-testid="restart-message">{restart.message}</span>
    </Banner>
  );
}
