import { Card } from '../../components/ui';

export function ChannelsTab() {
  return (
    <Card>
      <p className="muted">Channels: this part of the System page is being built.</p>
    </Card>
  );
}
