/**
 * Domain events after they are committed: logs, metrics and the event stream subscribe
 * here, so none of them can observe a transition that was not stored.
 */
export type Listener<E> = (event: E) => void;

export class EventBus<E> {
  private readonly listeners = new Set<Listener<E>>();

  subscribe(listener: Listener<E>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(event: E): void {
    for (const listener of this.listeners) listener(event);
  }

  get size(): number {
    return this.listeners.size;
  }
}
