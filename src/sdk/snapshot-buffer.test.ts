import { describe, expect, it } from "vitest";
import { SnapshotBuffer } from "./snapshot-buffer.js";
import { backoffDelayMs } from "./transport.js";

const s = (phi: number) => ({ phi, kappa_eff: 64 });

describe("SnapshotBuffer", () => {
  it("drops the oldest snapshot when full and counts every one dropped", () => {
    const buffer = new SnapshotBuffer(3);
    const dropped = [0.1, 0.2, 0.3, 0.4, 0.5].map((phi) => buffer.push(s(phi)));
    expect(dropped).toEqual([0, 0, 0, 1, 1]);
    expect(buffer.overflowCount).toBe(2);
    expect(buffer.peek(10).map((x) => x.phi)).toEqual([0.3, 0.4, 0.5]);
  });

  it("removes only what was sent, even when the front overflowed while it was in flight", () => {
    const buffer = new SnapshotBuffer(3);
    for (const phi of [0.1, 0.2, 0.3]) buffer.push(s(phi));
    const inFlight = buffer.peek(2);
    buffer.push(s(0.4)); // 0.1 overflows while the batch is on the wire
    buffer.remove(inFlight);
    expect(buffer.peek(10).map((x) => x.phi)).toEqual([0.3, 0.4]);
  });

  it("refuses a limit that is not a positive integer", () => {
    expect(() => new SnapshotBuffer(0)).toThrow(/bufferLimit/);
  });
});

describe("backoffDelayMs", () => {
  const retry = { initialDelayMs: 100, maxDelayMs: 1000, jitter: 0.2 };

  it("doubles per attempt up to the cap", () => {
    expect([0, 1, 2, 3, 4, 10].map((a) => backoffDelayMs(a, retry, 0))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });

  it("jitters downwards by at most the jitter fraction", () => {
    expect(backoffDelayMs(2, retry, 1)).toBeCloseTo(320);
  });
});
