import { Card } from '../../components/ui';

export function GenerationsTab() {
  return (
    <Card>
      <p className="muted">Generations: this part of the System page is being built.</p>
    </Card>
  );
}
