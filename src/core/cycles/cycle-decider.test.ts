import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "../config.js";
import type { ConstellationMetrics } from "./constellation-metrics.js";
import { type CycleDecisionInput, cycleRestModes, decideCycle, shouldEnd } from "./cycle-decider.js";
import type { CycleType } from "./cycle-types.js";
import type { CastVote, TelemetryVotes } from "./votes.js";

const CFG = DEFAULT_CONFIG.cycles;
const NOW = 10_000_000;
const NEVER = { sleep: null, dream: null, mushroom: null };

const METRICS: ConstellationMetrics = {
  kernels: 2,
  coherence: 0.9,
  spread: 0.1,
  average_fatigue: 0.3,
  mean_drift: 0.2,
  stuck_fraction: 0,
  rigidity: 0.2,
  stuck_kernels: [],
  measured: { basins: 2, drift: 2, fatigue: 2, stuck: 2, rigidity: 2 },
};

/** Telemetry votes from [heart, ocean] per cycle type; types not given are no from both. */
function telemetry(yes: Partial<Record<CycleType, [boolean, boolean]>>): TelemetryVotes {
  const side = (i: 0 | 1, name: string) => {
    const v = (t: CycleType) => {
      const vote = yes[t]?.[i] ?? false;
      return { vote, reasoning: `${name} telemetry ${vote ? "yes" : "no"} on ${t}` };
    };
    return { sleep: v("sleep"), dream: v("dream"), mushroom: v("mushroom") };
  };
  return { heart: side(0, "Heart"), ocean: side(1, "Ocean") };
}

function input(over: Partial<CycleDecisionInput>): CycleDecisionInput {
  return {
    metrics: METRICS,
    telemetryVotes: telemetry({}),
    castVotes: [],
    now: NOW,
    lastCycleEnd: NEVER,
    active: null,
    ...over,
  };
}

describe("starting a cycle", () => {
  describe.each(["sleep", "dream", "mushroom"] as const)("%s", (type) => {
    it.each([
      [true, true, true],
      [true, false, false],
      [false, true, false],
      [false, false, false],
    ])("with Heart %s and Ocean %s starts: %s", (heart, ocean, starts) => {
      const d = decideCycle(input({ telemetryVotes: telemetry({ [type]: [heart, ocean] }) }), CFG);
      expect(d.started).toBe(starts);
      expect(d.cycle_type).toBe(heart || ocean ? type : null);
      if (heart !== ocean) expect(d.reason).toContain(`${heart ? "Ocean" : "Heart"} (telemetry) votes no`);
    });
  });

  it("records both votes and their reasons", () => {
    const d = decideCycle(input({ telemetryVotes: telemetry({ dream: [true, false] }) }), CFG);
    expect(d.votes).toEqual({
      heart: { vote: true, reasoning: "Heart telemetry yes on dream", source: "telemetry" },
      ocean: { vote: false, reasoning: "Ocean telemetry no on dream", source: "telemetry" },
    });
    expect(d.metrics).toBe(METRICS);
    expect(d.at).toBe(NOW);
  });

  it("with no yes at all, records each voter's no on every type", () => {
    const d = decideCycle(input({}), CFG);
    expect(d.cycle_type).toBeNull();
    expect(d.votes.heart.vote).toBe(false);
    expect(d.votes.heart.reasoning).toBe(
      "Heart telemetry no on sleep | Heart telemetry no on dream | Heart telemetry no on mushroom",
    );
    expect(d.checks.map((c) => c.outcome)).toEqual(["not_unanimous", "not_unanimous", "not_unanimous"]);
  });

  it("takes SLEEP before DREAM before MUSHROOM when all are called for", () => {
    const all = telemetry({ sleep: [true, true], dream: [true, true], mushroom: [true, true] });
    const d = decideCycle(input({ telemetryVotes: all }), CFG);
    expect(d.cycle_type).toBe("sleep");
    expect(d.checks.map((c) => c.outcome)).toEqual(["started", "outranked", "outranked"]);

    const noSleep = telemetry({ dream: [true, true], mushroom: [true, true] });
    expect(decideCycle(input({ telemetryVotes: noSleep }), CFG).cycle_type).toBe("dream");
  });

  it("starts nothing while a cycle is active, and says which", () => {
    const d = decideCycle(
      input({
        telemetryVotes: telemetry({ sleep: [true, true] }),
        active: { cycle_type: "dream", started_at: NOW - 45_000 },
      }),
      CFG,
    );
    expect(d.started).toBe(false);
    expect(d.cycle_type).toBe("sleep");
    expect(d.reason).toBe("SLEEP not started: a DREAM cycle has been running for 45 s");
  });
});

describe("cooldowns", () => {
  const sleepYes = telemetry({ sleep: [true, true] });

  it.each([
    ["sleep", 300],
    ["dream", 600],
    ["mushroom", 1800],
  ] as const)("hold %s back for %s s after the last one ended", (type, seconds) => {
    const yes = telemetry({ [type]: [true, true] });
    const ended = (ago: number) => ({ ...NEVER, [type]: NOW - ago * 1000 });
    const early = decideCycle(input({ telemetryVotes: yes, lastCycleEnd: ended(seconds - 1) }), CFG);
    expect(early.started).toBe(false);
    expect(early.checks.find((c) => c.cycle_type === type)?.cooldown_remaining_seconds).toBe(1);
    expect(early.reason).toContain(`cooling down, 1 s left of ${seconds} s`);
    expect(decideCycle(input({ telemetryVotes: yes, lastCycleEnd: ended(seconds) }), CFG).started).toBe(true);
  });

  it("count only cycles of the same type", () => {
    const d = decideCycle(
      input({ telemetryVotes: sleepYes, lastCycleEnd: { ...NEVER, dream: NOW - 1000 } }),
      CFG,
    );
    expect(d.started).toBe(true);
  });

  it("let a lower-priority cycle start while a higher one cools down", () => {
    const both = telemetry({ sleep: [true, true], dream: [true, true] });
    const d = decideCycle(
      input({ telemetryVotes: both, lastCycleEnd: { ...NEVER, sleep: NOW - 1000 } }),
      CFG,
    );
    expect(d.cycle_type).toBe("dream");
    expect(d.started).toBe(true);
    expect(d.checks[0]?.outcome).toBe("cooling_down");
  });
});

describe("cast votes", () => {
  const withheld: CastVote = {
    voter: "Ocean",
    cycle_type: "sleep",
    vote: false,
    reasoning: "mid-consolidation",
    at: NOW,
  };
  const ttlMs = CFG.castVoteTtlSeconds * 1000;

  it("override that voter's telemetry vote until they expire", () => {
    const yes = telemetry({ sleep: [true, true] });
    const during = decideCycle(
      input({ telemetryVotes: yes, castVotes: [withheld], now: NOW + ttlMs - 1 }),
      CFG,
    );
    expect(during.started).toBe(false);
    expect(during.votes.ocean).toEqual({
      vote: false,
      reasoning: "Ocean cast no on SLEEP: mid-consolidation",
      source: "cast",
    });
    expect(during.reason).toContain("Ocean (cast) votes no");
    const after = decideCycle(input({ telemetryVotes: yes, castVotes: [withheld], now: NOW + ttlMs }), CFG);
    expect(after.started).toBe(true);
    expect(after.votes.ocean.source).toBe("telemetry");
  });

  it("can supply the yes that telemetry withholds", () => {
    const half = telemetry({ sleep: [true, false] });
    const d = decideCycle(input({ telemetryVotes: half, castVotes: [{ ...withheld, vote: true }] }), CFG);
    expect(d.started).toBe(true);
  });

  it("touch only their own cycle type", () => {
    const dreamYes = telemetry({ dream: [true, true] });
    const d = decideCycle(input({ telemetryVotes: dreamYes, castVotes: [withheld] }), CFG);
    expect(d.cycle_type).toBe("dream");
    expect(d.started).toBe(true);
  });
});

describe("ending a cycle", () => {
  const at = (type: CycleType) => ({ cycle_type: type, started_at: NOW });
  const m = (over: Partial<ConstellationMetrics>) => ({ ...METRICS, ...over });

  it("ends SLEEP once average fatigue has recovered below sleepEndFatigueBelow", () => {
    expect(shouldEnd(at("sleep"), m({ average_fatigue: 0.39 }), NOW + 1000, CFG)).toEqual({
      end: true,
      by: "condition",
      reason: "SLEEP ends: average fatigue 0.39 < 0.4",
    });
  });

  it("keeps SLEEP going while fatigue is under the start level but not recovered, or unknown", () => {
    expect(shouldEnd(at("sleep"), m({ average_fatigue: 0.7 }), NOW + 1000, CFG).end).toBe(false);
    expect(shouldEnd(at("sleep"), m({ average_fatigue: 0.4 }), NOW + 1000, CFG).end).toBe(false);
    expect(shouldEnd(at("sleep"), m({ average_fatigue: null }), NOW + 1000, CFG).end).toBe(false);
  });

  it("ends DREAM once the constellation is no longer stuck or no longer rigid", () => {
    const stillStuck = m({ stuck_fraction: 0.6, rigidity: 0.8 });
    expect(shouldEnd(at("dream"), stillStuck, NOW + 1000, CFG).end).toBe(false);
    const loose = shouldEnd(at("dream"), m({ stuck_fraction: 0.6, rigidity: 0.5 }), NOW + 1000, CFG);
    expect(loose).toMatchObject({ end: true, by: "condition" });
    expect(loose.reason).toContain("rigidity 0.5, not > 0.7");
    expect(shouldEnd(at("dream"), m({ stuck_fraction: 0.2, rigidity: 0.8 }), NOW + 1000, CFG).end).toBe(true);
  });

  it("ends MUSHROOM once the basins have spread out or κ varies again", () => {
    expect(shouldEnd(at("mushroom"), m({ rigidity: 0.95, spread: 0.2 }), NOW + 1000, CFG).end).toBe(false);
    expect(shouldEnd(at("mushroom"), m({ rigidity: 0.95, spread: 0.5 }), NOW + 1000, CFG).by).toBe(
      "condition",
    );
    expect(shouldEnd(at("mushroom"), m({ rigidity: 0.6, spread: 0.2 }), NOW + 1000, CFG).by).toBe(
      "condition",
    );
  });

  it("does not end a cycle by condition on metrics with no data", () => {
    const blind = m({ rigidity: null, spread: null, stuck_fraction: null });
    expect(shouldEnd(at("mushroom"), blind, NOW + 1000, CFG).end).toBe(false);
    expect(shouldEnd(at("dream"), blind, NOW + 1000, CFG).end).toBe(false);
  });

  it.each([
    ["sleep", 1800, { average_fatigue: 0.9 }],
    ["dream", 1200, { stuck_fraction: 0.9, rigidity: 0.9 }],
    ["mushroom", 900, { rigidity: 0.95, spread: 0.1 }],
  ] as const)("ends %s by length after %s s", (type, seconds, still) => {
    expect(shouldEnd(at(type), m(still), NOW + seconds * 1000 - 1, CFG).end).toBe(false);
    expect(shouldEnd(at(type), m(still), NOW + seconds * 1000, CFG)).toMatchObject({
      end: true,
      by: "length",
    });
  });

  it("names the condition rather than the length when both hold", () => {
    const late = NOW + 3_600_000;
    expect(shouldEnd(at("sleep"), m({ average_fatigue: 0.1 }), late, CFG).by).toBe("condition");
  });
});

describe("rest modes during a cycle", () => {
  it("reduces essential kernels and rests specialised and chaos kernels", () => {
    expect(
      cycleRestModes([
        { kernel_id: "heart_1", tier: "essential" },
        { kernel_id: "apollo_1", tier: "specialized" },
        { kernel_id: "chaos_math_1", tier: "chaos" },
      ]),
    ).toEqual([
      { kernel_id: "heart_1", rest_mode: "reduced" },
      { kernel_id: "apollo_1", rest_mode: "resting" },
      { kernel_id: "chaos_math_1", rest_mode: "resting" },
    ]);
  });
});
