import { Card } from '../../components/ui';

export function CleanupTab() {
  return (
    <Card>
      <p className="muted">Clean up: this part of the System page is being built.</p>
    </Card>
  );
}
