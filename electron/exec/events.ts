import type { AppEvent } from '../../shared/contract/events';

export type EventListener = (event: AppEvent) => void;

/** One event channel from services to every transport. */
export class EventBus {
  private readonly listeners = new Set<EventListener>();

  on(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: AppEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        /* a broken transport must not stop the others */
      }
    }
  }
}
