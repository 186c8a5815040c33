import type { ReactNode } from 'react';
import type { LearnEntryId } from '../../shared/contract';
import { useNavigation } from '../stores/navigation';
import './term.css';

/** A NixOS word with a "?" that opens its Learn entry. */
export function Term({ learn, children, label }: { learn: LearnEntryId; children: ReactNode; label?: string }) {
  const go = useNavigation((s) => s.go);
  return (
    <span className="term">
      {children}
      <button
        type="button"
        className="term-help"
        onClick={(e) => {
          e.stopPropagation();
          go('learn', learn);
        }}
        aria-label={`What is ${label ?? (typeof children === 'string' ? children : learn)}? Opens Learn`}
        title="What is this? Opens its explanation in Learn"
        data-testid={`term-${learn}`}
      >
        ?
      </button>
    </span>
  );
}
