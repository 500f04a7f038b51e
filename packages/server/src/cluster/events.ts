/**
 * The "something changed" signal between service instances: signing keys rotated, a token or session
 * denylisted, a user's token epoch bumped. In-process today (one instance); a Redis pub/sub bus can
 * implement the same interface for a cluster.
 */

export type ServiceEvent =
  | { type: 'keys-changed' }
  | { type: 'denylisted'; key: string; expiresAt: number }
  | { type: 'epoch-changed'; userId: number; epoch: number };

export interface EventBus {
  publish(event: ServiceEvent): Promise<void>;
  /** Returns an unsubscribe function. */
  subscribe(handler: (event: ServiceEvent) => void): () => void;
  close(): Promise<void>;
}

export class LocalEventBus implements EventBus {
  readonly #handlers = new Set<(event: ServiceEvent) => void>();

  async publish(event: ServiceEvent): Promise<void> {
    for (const h of this.#handlers) h(event);
  }

  subscribe(handler: (event: ServiceEvent) => void): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  async close(): Promise<void> {
    this.#handlers.clear();
  }
}
