/**
 * The SDK's bounded queue of telemetry waiting to be sent. When the control plane is
 * away longer than the buffer lasts, the oldest snapshots give way to the newest (the
 * present matters most to a health monitor) and every one given up is counted, so the
 * loss is reported rather than silent.
 */
import type { SnapshotInput } from "./wire.js";

export class SnapshotBuffer {
  private items: SnapshotInput[] = [];
  private overflowed = 0;

  /** @example new SnapshotBuffer(10_000) */
  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError("bufferLimit: must be a positive integer");
  }

  get size(): number {
    return this.items.length;
  }

  /** Snapshots dropped because the buffer was full, since the client started. */
  get overflowCount(): number {
    return this.overflowed;
  }

  /** Adds one; returns how many old ones were dropped to make room (0 or 1). */
  push(snapshot: SnapshotInput): number {
    this.items.push(snapshot);
    if (this.items.length <= this.limit) return 0;
    this.items.shift();
    this.overflowed += 1;
    return 1;
  }

  /** The oldest `count` snapshots, left in place until `remove` confirms they were sent. */
  peek(count: number): SnapshotInput[] {
    return this.items.slice(0, count);
  }

  /**
   * Removes the first `count` snapshots, once the server has them. Snapshots that
   * overflowed meanwhile already left from the front, so only what is still there goes.
   */
  remove(batch: readonly SnapshotInput[]): void {
    let n = 0;
    while (n < batch.length && this.items[n] === batch[n]) n += 1;
    if (n === batch.length) {
      this.items.splice(0, n);
      return;
    }
    const sent = new Set(batch);
    this.items = this.items.filter((item) => !sent.has(item));
  }
}
