import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { FollowerState } from "./follower-state.js";

/** A follower state over numbered planes, on a clock the test moves. */
function follower(o: { maxLagMs?: number } = {}) {
  const clock = { now: 1_000_000 };
  const closed: number[] = [];
  let opened = 0;
  let failures = 0;
  let gate: Promise<void> | null = null;
  const state = new FollowerState<number>({
    open: async () => {
      if (gate) await gate;
      if (failures > 0) {
        failures--;
        throw new Error("database gone");
      }
      return ++opened;
    },
    close: async (plane) => {
      closed.push(plane);
    },
    maxLagMs: o.maxLagMs ?? 1000,
    now: () => clock.now,
    logger: pino({ level: "silent" }),
    minSpacingMs: 0,
    retireAfterMs: 0,
  });
  /** Lets due timers fire and any build finish. */
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 2));
      await state.settled();
    }
  };
  /** Holds the builds that begin from now on until the returned function is called. */
  const hold = () => {
    let open = () => {};
    const held = new Promise<void>((resolve) => {
      open = resolve;
    });
    gate = held;
    return () => {
      if (gate === held) gate = null;
      open();
    };
  };
  const fail = (n: number) => {
    failures = n;
  };
  return { state, clock, closed, settle, hold, fail, opened: () => opened };
}

/** A follower that hears commits and has built its first plane (plane 1). */
async function following(o: { maxLagMs?: number } = {}) {
  const f = follower(o);
  f.state.listening();
  f.state.follow();
  await f.settle();
  return f;
}

describe("a follower's own state", () => {
  it("answers nothing until it can hear commits and has loaded a plane, then answers from it", async () => {
    const f = follower();
    f.state.follow();
    await f.settle();
    expect(f.state.read()).toEqual({ plane: null, reason: "its own state is not loaded yet" });
    f.state.listening();
    await f.settle();
    expect(f.state.read()).toEqual({ plane: 1, lagMs: 0 });
  });

  it("serves a plane a heard commit has made stale for up to maxLagMs, then not until a new one is built", async () => {
    const f = await following({ maxLagMs: 1000 });
    const release = f.hold();
    f.state.changed();
    f.clock.now += 1000;
    expect(f.state.read()).toEqual({ plane: 1, lagMs: 1000 });
    f.clock.now += 1;
    expect(f.state.read()).toMatchObject({ plane: null, reason: expect.stringMatching(/1001 ms behind/) });
    release();
    await f.settle();
    expect(f.state.read()).toEqual({ plane: 2, lagMs: 0 });
    expect(f.closed).toContain(1);
  });

  it("does not count a commit heard while a build runs as held by that build", async () => {
    const f = await following({ maxLagMs: 1000 });
    const release = f.hold();
    f.state.changed();
    await new Promise((resolve) => setTimeout(resolve, 5)); // the build has begun, and waits
    f.clock.now += 10;
    f.state.changed(); // committed after the build began reading: maybe not in plane 2
    f.hold(); // the next build waits too
    release();
    await new Promise((resolve) => setTimeout(resolve, 5));
    // Plane 2 is in, and counts as stale from the second commit, not from the next build.
    f.clock.now += 1000;
    expect(f.state.read()).toEqual({ plane: 2, lagMs: 1000 });
    f.clock.now += 1;
    expect(f.state.read()).toMatchObject({ plane: null });
  });

  it("stops vouching for its plane maxLagMs after it can no longer hear, and builds only once it hears again", async () => {
    const f = await following({ maxLagMs: 1000 });
    f.state.lost();
    f.clock.now += 1000;
    expect(f.state.read()).toEqual({ plane: 1, lagMs: 1000 });
    f.clock.now += 1;
    expect(f.state.read()).toEqual({ plane: null, reason: "it cannot hear the leader's commits" });
    await f.settle();
    expect(f.opened()).toBe(1);
    f.state.listening();
    await f.settle();
    expect(f.state.read()).toEqual({ plane: 2, lagMs: 0 });
  });

  it("sends reads to the leader after a write through it until a build begun after the write lands", async () => {
    const f = await following();
    f.state.wroteThrough();
    expect(f.state.read()).toEqual({
      plane: null,
      reason: "a write through this replica is not in its own state yet",
    });
    f.state.changed();
    await f.settle();
    expect(f.state.read()).toEqual({ plane: 2, lagMs: 0 });
  });

  it("keeps the earliest staleness through a failed build, and tries again", async () => {
    const f = await following({ maxLagMs: 1000 });
    const releaseFirst = f.hold();
    f.state.changed();
    await new Promise((resolve) => setTimeout(resolve, 5)); // the build has begun, and waits
    f.fail(1);
    const releaseRetry = f.hold();
    f.clock.now += 600;
    releaseFirst(); // that build fails; its retry waits
    await new Promise((resolve) => setTimeout(resolve, 5));
    f.clock.now += 500;
    expect(f.state.read()).toMatchObject({ plane: null, reason: expect.stringMatching(/1100 ms behind/) });
    releaseRetry();
    await f.settle();
    expect(f.state.read()).toEqual({ plane: 2, lagMs: 0 });
  });

  it("drops and closes its plane when it leads, and answers nothing itself", async () => {
    const f = await following();
    f.state.lead();
    await f.settle();
    expect(f.state.read()).toEqual({ plane: null, reason: "this replica leads" });
    expect(f.closed).toEqual([1]);
    f.state.changed();
    await f.settle();
    expect(f.opened()).toBe(1);
  });
});
