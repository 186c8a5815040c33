import { Card } from '../../components/ui';

export function RebuildTab() {
  return (
    <Card>
      <p className="muted">Rebuild: this part of the System page is being built.</p>
    </Card>
  );
}
