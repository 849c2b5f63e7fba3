import { afterEach, describe, expect, it, vi } from "vitest";
import { PeriodicRunner } from "./periodic-runner.js";

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe("periodic runner", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("skips a run while the last one is still going", async () => {
    const gate = deferred();
    let started = 0;
    const runner = new PeriodicRunner();
    runner.add("slow", 1000, async () => {
      started++;
      await gate.promise;
    });
    const first = runner.fire("slow");
    expect(runner.fire("slow")).toBeNull();
    expect(runner.fire("slow")).toBeNull();
    gate.resolve();
    await first;
    expect(started).toBe(1);
    expect(runner.stats()).toEqual([{ name: "slow", runs: 1, skipped: 2, failures: 0 }]);
    await runner.fire("slow");
    expect(started).toBe(2);
  });

  it("fires each job on its interval once started", async () => {
    vi.useFakeTimers();
    let runs = 0;
    const runner = new PeriodicRunner();
    runner.add("tick", 1000, async () => {
      runs++;
    });
    runner.start();
    await vi.advanceTimersByTimeAsync(3500);
    expect(runs).toBe(3);
    await runner.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(runs).toBe(3);
  });

  it("waits for a run in flight when stopping", async () => {
    const gate = deferred();
    let finished = false;
    const runner = new PeriodicRunner();
    runner.add("slow", 1000, async () => {
      await gate.promise;
      finished = true;
    });
    runner.fire("slow");
    const stopped = runner.stop().then(() => finished);
    gate.resolve();
    expect(await stopped).toBe(true);
  });

  it("counts a failed run and keeps the job alive", async () => {
    const runner = new PeriodicRunner();
    let calls = 0;
    runner.add("flaky", 1000, async () => {
      calls++;
      if (calls === 1) throw new Error("boom");
    });
    await runner.fire("flaky");
    await runner.fire("flaky");
    expect(runner.stats()[0]).toMatchObject({ runs: 2, failures: 1 });
  });
});
