import { Card } from '../../components/ui';

export function ConfigTab() {
  return (
    <Card>
      <p className="muted">Configuration: this part of the System page is being built.</p>
    </Card>
  );
}
