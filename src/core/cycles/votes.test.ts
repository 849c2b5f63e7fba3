import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "../config.js";
import { InvalidInputError } from "../errors.js";
import type { ConstellationMetrics } from "./constellation-metrics.js";
import {
  CAST_VOTE_REASONING_MAX_CHARS,
  type CastVote,
  castVoteLive,
  latestCastVote,
  telemetryVotes,
  validateCastVote,
} from "./votes.js";

const CFG = DEFAULT_CONFIG.cycles;

function metrics(over: Partial<ConstellationMetrics>): ConstellationMetrics {
  return {
    kernels: 4,
    coherence: null,
    spread: null,
    average_fatigue: null,
    mean_drift: null,
    stuck_fraction: null,
    rigidity: null,
    stuck_kernels: [],
    measured: { basins: 4, drift: 4, fatigue: 4, stuck: 4, rigidity: 4 },
    ...over,
  };
}

const EXHAUSTED = { coherence: 0.42, spread: 0.58, average_fatigue: 0.86, mean_drift: 3.05 };

describe("SLEEP votes", () => {
  it("are yes when coherence < 0.5, average fatigue > 0.8 and mean drift > 3.0", () => {
    const v = telemetryVotes(metrics(EXHAUSTED), CFG);
    expect(v.heart.sleep.vote).toBe(true);
    expect(v.ocean.sleep.vote).toBe(true);
  });

  it.each([
    ["coherence at the threshold", { coherence: 0.5 }],
    ["fatigue at the threshold", { average_fatigue: 0.8 }],
    ["drift at the threshold", { mean_drift: 3.0 }],
    ["drift of the original code's 0.6", { mean_drift: 0.6 }],
    ["no fatigue data", { average_fatigue: null }],
  ])("are no with %s", (_, over) => {
    const v = telemetryVotes(metrics({ ...EXHAUSTED, ...over }), CFG);
    expect(v.heart.sleep.vote).toBe(false);
    expect(v.ocean.sleep.vote).toBe(false);
  });

  it("follow a configured drift threshold", () => {
    const m = metrics({ ...EXHAUSTED, mean_drift: 1.0 });
    expect(telemetryVotes(m, CFG).heart.sleep.vote).toBe(false);
    expect(telemetryVotes(m, { ...CFG, sleepDriftAbove: 0.6 }).heart.sleep.vote).toBe(true);
  });
});

describe("DREAM votes", () => {
  it.each([
    [0.6, 0.75, true],
    [0.5, 0.75, false],
    [0.6, 0.7, false],
    [null, 0.75, false],
  ])("with stuck fraction %s and rigidity %s are %s", (stuck, rigidity, yes) => {
    const v = telemetryVotes(metrics({ stuck_fraction: stuck, rigidity }), CFG);
    expect(v.heart.dream.vote).toBe(yes);
    expect(v.ocean.dream.vote).toBe(yes);
  });
});

describe("MUSHROOM votes", () => {
  it.each([
    [0.95, 0.3, true],
    [0.9, 0.3, false],
    [0.95, 0.5, false],
    [0.95, null, false],
  ])("with rigidity %s and spread %s are %s", (rigidity, spread, yes) => {
    const v = telemetryVotes(metrics({ rigidity, spread }), CFG);
    expect(v.heart.mushroom.vote).toBe(yes);
    expect(v.ocean.mushroom.vote).toBe(yes);
  });
});

describe("vote reasoning", () => {
  it("names each measured value beside its threshold", () => {
    const { heart } = telemetryVotes(metrics(EXHAUSTED), CFG);
    expect(heart.sleep.reasoning).toBe(
      "Heart votes yes on SLEEP: average fatigue 0.86 > 0.8; coherence 0.42 < 0.5; mean drift 3.05 > 3",
    );
  });

  it("says which criterion failed and that missing data counts against", () => {
    const { ocean } = telemetryVotes(metrics({ ...EXHAUSTED, mean_drift: 1.2, average_fatigue: null }), CFG);
    expect(ocean.sleep.reasoning).toBe(
      "Ocean votes no on SLEEP: coherence 0.42 < 0.5; mean drift 1.2, not > 3; average fatigue unknown (no data), needs > 0.8",
    );
  });

  it("lets Heart lead with the rhythm and Ocean with the shape, while they agree", () => {
    const v = telemetryVotes(metrics({ rigidity: 0.95, spread: 0.2 }), CFG);
    expect(v.heart.mushroom.reasoning).toMatch(/^Heart votes yes on MUSHROOM: rigidity 0.95 > 0.9; spread/);
    expect(v.ocean.mushroom.reasoning).toMatch(/^Ocean votes yes on MUSHROOM: spread 0.2 < 0.5; rigidity/);
  });
});

describe("validating a cast vote", () => {
  const valid = { voter: "Heart", cycle_type: "sleep", vote: true, reasoning: "the rhythm is flat" };

  it("accepts the voter and cycle type in any case and gives them their canonical form", () => {
    expect(validateCastVote({ ...valid, voter: "ocean", cycle_type: "SLEEP" })).toEqual({
      voter: "Ocean",
      cycle_type: "sleep",
      vote: true,
      reasoning: "the rhythm is flat",
    });
    expect(validateCastVote({ ...valid, voter: "HEART" }).voter).toBe("Heart");
  });

  it.each([
    ["voter", { ...valid, voter: "Zeus" }],
    ["voter", { ...valid, voter: undefined }],
    ["cycle_type", { ...valid, cycle_type: "nap" }],
    ["cycle_type", { ...valid, cycle_type: 1 }],
    ["vote", { ...valid, vote: "yes" }],
    ["vote", { ...valid, vote: undefined }],
    ["reasoning", { ...valid, reasoning: undefined }],
    ["reasoning", { ...valid, reasoning: "   " }],
    ["reasoning", { ...valid, reasoning: "x".repeat(CAST_VOTE_REASONING_MAX_CHARS + 1) }],
    ["at", { ...valid, at: 5 }],
    ["body", null],
    ["body", [valid]],
  ])("refuses a bad %s, naming it", (field, body) => {
    let thrown: unknown;
    try {
      validateCastVote(body);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(InvalidInputError);
    expect((thrown as InvalidInputError).field).toBe(field);
  });

  it("accepts reasoning of exactly the maximum length", () => {
    const reasoning = "x".repeat(CAST_VOTE_REASONING_MAX_CHARS);
    expect(validateCastVote({ ...valid, reasoning }).reasoning).toBe(reasoning);
  });
});

describe("cast votes over time", () => {
  const cast = (over: Partial<CastVote>): CastVote => ({
    voter: "Ocean",
    cycle_type: "sleep",
    vote: false,
    reasoning: "busy",
    at: 0,
    ...over,
  });
  const ttlMs = CFG.castVoteTtlSeconds * 1000;

  it("stand until castVoteTtlSeconds after they arrived", () => {
    expect(castVoteLive(cast({ at: 1000 }), 1000 + ttlMs - 1, CFG)).toBe(true);
    expect(castVoteLive(cast({ at: 1000 }), 1000 + ttlMs, CFG)).toBe(false);
  });

  it("count only the newest live vote of that voter on that cycle type", () => {
    const votes = [
      cast({ at: 0, vote: false }),
      cast({ at: 10_000, vote: true, reasoning: "rested now" }),
      cast({ at: 20_000, voter: "Heart" }),
      cast({ at: 30_000, cycle_type: "dream" }),
    ];
    expect(latestCastVote(votes, "Ocean", "sleep", 20_000, CFG)?.reasoning).toBe("rested now");
    expect(latestCastVote(votes, "Ocean", "sleep", 10_000 + ttlMs, CFG)).toBeNull();
    expect(latestCastVote(votes, "Ocean", "mushroom", 20_000, CFG)).toBeNull();
  });
});
