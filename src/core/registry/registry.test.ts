import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { defaultRegistryPath } from "./default-registry.js";
import {
  chaosNameRegExp,
  findGod,
  type GodContract,
  loadRegistryFile,
  parseRegistry,
  type Registry,
  RegistryError,
  type RegistryLoadResult,
  requireRegistry,
} from "./registry.js";

const USERS_PATH = fileURLToPath(new URL("../../../../shared/pantheon-registry.yaml", import.meta.url));
const USERS_TEXT = readFileSync(USERS_PATH, "utf8");
const ESSENTIAL_RULE = "Essential tier gods must have rest_policy.type: never";

interface GodYaml {
  tier?: string;
  coupling_affinity: string[];
  rest_policy: { type: string; partner?: string; duty_cycle?: unknown };
  spawn_constraints?: { max_instances?: number };
  e8_alignment?: unknown;
}
interface RegistryYaml {
  gods: Record<string, GodYaml>;
  chaos_kernel_rules: { spawning_limits: { total_active_limit: number } };
  validation_rules: string[];
}

/** The users' file, parsed, edited by `mutate`, written back and loaded. */
function edited(mutate: (doc: RegistryYaml) => void): RegistryLoadResult {
  const doc = parse(USERS_TEXT) as RegistryYaml;
  mutate(doc);
  return parseRegistry(stringify(doc), "edited.yaml");
}

function loaded(result: RegistryLoadResult): Registry {
  expect(result.errors).toEqual([]);
  if (!result.registry) throw new Error("registry did not load");
  return result.registry;
}

function expectOneError(result: RegistryLoadResult, god: string, field: string, message: string | RegExp) {
  expect(result.registry).toBeUndefined();
  expect(result.errors).toHaveLength(1);
  expect(result.errors[0]).toMatchObject({ severity: "error", god, field });
  expect(result.errors[0]?.message).toMatch(message);
}

/** Warnings other than the Hermes one every edit of the users' file carries. */
function extraWarnings(result: RegistryLoadResult) {
  return result.warnings.filter((w) => w.rule !== ESSENTIAL_RULE);
}

const contract = (g: GodContract | undefined) => ({
  tier: g?.tier,
  couplingAffinity: g?.couplingAffinity,
  type: g?.restPolicy.type,
  partner: g?.restPolicy.partner,
  dutyCycle: g?.restPolicy.dutyCycle,
  restDuration: g?.restPolicy.restDuration,
  activeSeason: g?.restPolicy.activeSeason,
  restSeason: g?.restPolicy.restSeason,
});

describe("the users' registry file", () => {
  const result = loadRegistryFile(USERS_PATH);

  it("loads as it is: 16 gods in file order, Heart, Ocean and Hermes essential, 13 specialized", () => {
    const registry = loaded(result);
    expect([...registry.gods.keys()]).toEqual([
      ...["Heart", "Ocean", "Hermes", "Zeus", "Athena", "Apollo", "Artemis", "Ares", "Hephaestus"],
      ...["Aphrodite", "Hera", "Poseidon", "Hades", "Demeter", "Dionysus", "Persephone"],
    ]);
    const essential = [...registry.gods.values()].filter((g) => g.tier === "essential").map((g) => g.name);
    expect(essential).toEqual(["Heart", "Ocean", "Hermes"]);
    expect([...registry.gods.values()].filter((g) => g.tier === "specialized")).toHaveLength(13);
  });

  it.each([
    ["Heart", "essential", "never", {}, ["Ocean", "Hermes"]],
    ["Hermes", "essential", "minimal_rotating", { partner: "Artemis", dutyCycle: 0.9 }, ["Heart", "Ocean", "Zeus", "Athena", "Apollo"]],
    ["Zeus", "specialized", "coordinated_alternating", { partner: "Hera", dutyCycle: 0.7 }, ["Athena", "Hera", "Apollo", "Hermes"]],
    ["Hera", "specialized", "coordinated_alternating", { partner: "Zeus", dutyCycle: 0.7 }, ["Zeus", "Demeter", "Aphrodite"]],
    ["Athena", "specialized", "coordinated_alternating", { partner: "Apollo", dutyCycle: 0.7 }, ["Zeus", "Apollo", "Hermes", "Hephaestus"]],
    ["Apollo", "specialized", "coordinated_alternating", { partner: "Athena", dutyCycle: 0.7 }, ["Athena", "Hermes", "Artemis", "Dionysus"]],
    ["Artemis", "specialized", "minimal_rotating", { partner: "Hermes", dutyCycle: 0.85 }, ["Apollo", "Hermes", "Ares"]],
    ["Ares", "specialized", "scheduled", { dutyCycle: 0.6, restDuration: 0.4 }, ["Athena", "Artemis", "Aphrodite", "Hephaestus"]],
    ["Demeter", "specialized", "scheduled", { dutyCycle: 0.7, restDuration: 0.3 }, ["Hera", "Persephone", "Hephaestus"]],
    ["Persephone", "specialized", "seasonal", { dutyCycle: 0.5, activeSeason: "wake", restSeason: "dream" }, ["Demeter", "Hades", "Dionysus"]],
    ["Hades", "specialized", "never", {}, ["Ocean", "Poseidon", "Persephone"]],
  ] as const)("gives %s tier %s, policy %s and its partner, duty cycle and affinities as written", (name, tier, type, policy, affinity) => {
    const god = loaded(result).gods.get(name);
    const expected = { partner: undefined, dutyCycle: undefined, restDuration: undefined, ...policy };
    expect(contract(god)).toMatchObject({ tier, type, couplingAffinity: affinity, ...expected });
  });

  it("takes chaos limits 240 / 30 / 200 and the pattern chaos_{domain}_{id}", () => {
    const { chaos } = loaded(result);
    expect(chaos).toMatchObject({ namingPattern: "chaos_{domain}_{id}", maxChaosKernels: 240, perDomainLimit: 30, totalActiveLimit: 200 });
    expect(chaos.namePattern.test("chaos_focus_1")).toBe(true);
  });

  it("has exactly one warning: Hermes breaks the essential-never rule; every rule is understood", () => {
    expect(result.warnings).toEqual([expect.objectContaining({ severity: "warning", god: "Hermes", field: "rest_policy.type", rule: ESSENTIAL_RULE })]);
    expect(result.uncheckedRules).toEqual([]);
  });
});

describe("our default registry", () => {
  it("matches the users' file god by god: tier, policy, partner, duty cycle, rest duration, affinities", () => {
    const users = loaded(loadRegistryFile(USERS_PATH));
    const ours = loaded(loadRegistryFile(defaultRegistryPath()));
    expect([...ours.gods.keys()]).toEqual([...users.gods.keys()]);
    for (const [name, god] of users.gods) expect(contract(ours.gods.get(name)), name).toEqual(contract(god));
    const limits = ({ namePattern: _, ...rest }: Registry["chaos"]) => rest;
    expect(limits(ours.chaos)).toEqual(limits(users.chaos));
  });

  it("has no warnings and no unchecked rules", () => {
    const result = loadRegistryFile(defaultRegistryPath());
    expect(result.warnings).toEqual([]);
    expect(result.uncheckedRules).toEqual([]);
    expect(result.registry?.validationRules.length).toBeGreaterThan(0);
  });
});

describe("structural errors name the god and the field", () => {
  it("rejects an unknown policy type", () => {
    expectOneError(edited((d) => void (d.gods.Zeus.rest_policy.type = "napping")), "Zeus", "rest_policy.type", /unknown value "napping"/);
  });
  it("rejects a partner that is not a god", () => {
    expectOneError(edited((d) => void (d.gods.Zeus.rest_policy.partner = "Thor")), "Zeus", "rest_policy.partner", /"Thor" is not a god/);
  });
  it("requires a tier", () => {
    expectOneError(edited((d) => void delete d.gods.Athena.tier), "Athena", "tier", /^is required$/);
  });
  it("rejects a coupling_affinity entry that is not a god, naming its index", () => {
    expectOneError(edited((d) => void (d.gods.Apollo.coupling_affinity[2] = "Odin")), "Apollo", "coupling_affinity[2]", /"Odin" is not a god/);
  });
  it("rejects a god that partners itself", () => {
    expectOneError(edited((d) => void (d.gods.Hera.rest_policy.partner = "Hera")), "Hera", "rest_policy.partner", /cannot partner itself/);
  });
  it("requires a partner for coordinated_alternating", () => {
    expectOneError(edited((d) => void delete d.gods.Zeus.rest_policy.partner), "Zeus", "rest_policy.partner", /required for coordinated_alternating/);
  });
  it("requires a duty_cycle for seasonal", () => {
    expectOneError(edited((d) => void delete d.gods.Persephone.rest_policy.duty_cycle), "Persephone", "rest_policy.duty_cycle", /required for seasonal/);
  });
  it.each([[1.5, /≤ 1/], [0, /> 0/], [-0.2, /> 0/], ["0.6", /must be a number/]] as const)("rejects duty_cycle %j", (value, message) => {
    expectOneError(edited((d) => void (d.gods.Ares.rest_policy.duty_cycle = value)), "Ares", "rest_policy.duty_cycle", message);
  });
  it("reports a YAML syntax error", () => {
    const text = USERS_TEXT.replace("coupling_affinity: [Ocean, Hermes]", "coupling_affinity: [Ocean, Hermes");
    const result = parseRegistry(text);
    expect(result.registry).toBeUndefined();
    expect(result.errors).toEqual([expect.objectContaining({ severity: "error", field: "(yaml)" })]);
  });
  it("reports a god listed twice", () => {
    const result = parseRegistry(USERS_TEXT.replace("\n  Hera:\n", "\n  Zeus:\n"));
    expect(result.registry).toBeUndefined();
    expect(result.errors).toEqual([expect.objectContaining({ field: "(yaml)", message: expect.stringMatching(/unique/i) })]);
  });
});

describe("the file's validation rules become warnings", () => {
  it("warns for a god whose max_instances is not 1, or missing", () => {
    const result = edited((d) => {
      d.gods.Zeus.spawn_constraints = { max_instances: 2 };
      delete d.gods.Ares.spawn_constraints;
    });
    loaded(result);
    expect(extraWarnings(result)).toEqual([
      expect.objectContaining({ god: "Zeus", field: "spawn_constraints.max_instances", message: "is 2, rule wants 1" }),
      expect.objectContaining({ god: "Ares", field: "spawn_constraints.max_instances", message: "is missing, rule wants 1" }),
    ]);
  });
  it("warns for a specialized god without e8_alignment, but not for an essential one", () => {
    const result = edited((d) => {
      delete d.gods.Hades.e8_alignment;
      d.gods.Hera.e8_alignment = null;
      delete d.gods.Heart.e8_alignment;
    });
    expect(extraWarnings(result).map((w) => [w.god, w.field])).toEqual([["Hera", "e8_alignment"], ["Hades", "e8_alignment"]]);
  });
  it("warns when gods plus total_active_limit exceed 240, not when they reach it", () => {
    const at = edited((d) => void (d.chaos_kernel_rules.spawning_limits.total_active_limit = 224));
    expect(extraWarnings(at)).toEqual([]);
    const over = edited((d) => void (d.chaos_kernel_rules.spawning_limits.total_active_limit = 225));
    expect(extraWarnings(over)).toEqual([
      expect.objectContaining({ god: undefined, field: "chaos_kernel_rules.spawning_limits.total_active_limit", message: "16 gods + 225 chaos kernels = 241 > 240" }),
    ]);
  });
  it("warns for names that differ only in case", () => {
    const result = edited((d) => void (d.gods.zeus = { ...d.gods.Zeus, rest_policy: { type: "never" } }));
    expect(loaded(result).gods.size).toBe(17);
    expect(extraWarnings(result)).toEqual([expect.objectContaining({ god: "zeus", field: "(name)", message: "differs from Zeus only in case" })]);
  });
  it("lists a rule it does not understand as unchecked, not as a warning", () => {
    const rule = "Gods must be worshipped on Sundays";
    const result = edited((d) => void d.validation_rules.push(rule));
    expect(result.uncheckedRules).toEqual([rule]);
    expect(result.warnings).toHaveLength(1);
    expect(loaded(result).validationRules).toContain(rule);
  });
});

describe("chaosNameRegExp", () => {
  const re = chaosNameRegExp("chaos_{domain}_{id}");
  it("matches chaos kernel names, capturing domain and number", () => {
    expect("chaos_focus_1".match(re)?.slice(1)).toEqual(["focus", "1"]);
    expect("chaos_deep_memory_12".match(re)?.slice(1)).toEqual(["deep_memory", "12"]);
  });
  it.each(["chaos_focus", "Chaos_focus_1", "chaos__1", "chaos_focus_1x", "xchaos_focus_1"])("rejects %s", (name) => {
    expect(re.test(name)).toBe(false);
  });
});

describe("lookup helpers", () => {
  const dir = mkdtempSync(join(tmpdir(), "registry-test-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("findGod ignores case and returns undefined for strangers", () => {
    const registry = loaded(loadRegistryFile(USERS_PATH));
    expect(findGod(registry, "apollo")?.name).toBe("Apollo");
    expect(findGod(registry, "PERSEPHONE")?.name).toBe("Persephone");
    expect(findGod(registry, "Thor")).toBeUndefined();
  });

  it("requireRegistry returns a valid registry and throws RegistryError listing the issues otherwise", () => {
    expect(requireRegistry(USERS_PATH).gods.size).toBe(16);
    const doc = parse(USERS_TEXT) as RegistryYaml;
    doc.gods.Zeus.rest_policy.partner = "Thor";
    doc.gods.Apollo.coupling_affinity[2] = "Odin";
    const path = join(dir, "broken.yaml");
    writeFileSync(path, stringify(doc));
    let thrown: unknown;
    try {
      requireRegistry(path);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(RegistryError);
    const error = thrown as RegistryError;
    expect(error.issues.map((i) => [i.god, i.field])).toEqual([
      ["Zeus", "rest_policy.partner"],
      ["Apollo", "coupling_affinity[2]"],
    ]);
    expect(error.message).toContain(path);
    expect(error.message).toContain("god Zeus, field rest_policy.partner");
    expect(error.message).toContain("god Apollo, field coupling_affinity[2]");
  });
});
