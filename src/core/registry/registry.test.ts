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
  type RestPolicy,
  requireRegistry,
} from "./registry.js";

const USERS_PATH = fileURLToPath(new URL("../../../../shared/pantheon-registry.yaml", import.meta.url));
const USERS_TEXT = readFileSync(USERS_PATH, "utf8");
const ESSENTIAL_RULE = "Essential tier gods must have rest_policy.type: never";

/** The users' file through `yaml`: each dotted path set to its value (deleted if undefined). */
function editedText(edits: Record<string, unknown>): string {
  const doc = parse(USERS_TEXT) as Record<string, unknown>;
  for (const [path, value] of Object.entries(edits)) {
    const keys = path.split(".");
    const last = keys.pop() as string;
    const node = keys.reduce((n, key) => n[key] as Record<string, unknown>, doc);
    if (value === undefined) delete node[last];
    else node[last] = value;
  }
  return stringify(doc);
}
const edited = (edits: Record<string, unknown>) => parseRegistry(editedText(edits), "edited.yaml");

function loaded(result: RegistryLoadResult): Registry {
  expect(result.errors).toEqual([]);
  if (!result.registry) throw new Error("registry did not load");
  return result.registry;
}

function expectOneError(result: RegistryLoadResult, god: string, field: string, message: RegExp) {
  expect(result.registry).toBeUndefined();
  expect(result.errors).toHaveLength(1);
  expect(result.errors[0]).toMatchObject({ severity: "error", god, field });
  expect(result.errors[0]?.message).toMatch(message);
}

/** Warnings besides the Hermes one every edit of the users' file keeps, as [god, field, message]. */
const extraWarnings = (result: RegistryLoadResult) =>
  result.warnings.filter((w) => w.rule !== ESSENTIAL_RULE).map((w) => [w.god, w.field, w.message]);

const contract = (g: GodContract | undefined) => ({
  tier: g?.tier,
  couplingAffinity: g?.couplingAffinity,
  ...g?.restPolicy,
  reason: undefined,
});

describe("the users' registry file", () => {
  const result = loadRegistryFile(USERS_PATH);

  it("loads as it is: 16 gods in file order, Heart, Ocean and Hermes essential, 13 specialized", () => {
    const gods = [...loaded(result).gods.values()];
    expect(gods.map((g) => g.name)).toEqual([
      ...["Heart", "Ocean", "Hermes", "Zeus", "Athena", "Apollo", "Artemis", "Ares", "Hephaestus"],
      ...["Aphrodite", "Hera", "Poseidon", "Hades", "Demeter", "Dionysus", "Persephone"],
    ]);
    const essential = gods.filter((g) => g.tier === "essential").map((g) => g.name);
    expect(essential).toEqual(["Heart", "Ocean", "Hermes"]);
    expect(gods.filter((g) => g.tier === "specialized")).toHaveLength(13);
  });

  const [E, S, CA, MR] = ["essential", "specialized", "coordinated_alternating", "minimal_rotating"] as const;
  const [SC, SEASONS] = ["scheduled", { activeSeason: "wake", restSeason: "dream" }] as const;
  const expected: Record<string, [string, Partial<RestPolicy>, string]> = {
    Heart: [E, { type: "never" }, "Ocean Hermes"],
    Hermes: [E, { type: MR, partner: "Artemis", dutyCycle: 0.9 }, "Heart Ocean Zeus Athena Apollo"],
    Zeus: [S, { type: CA, partner: "Hera", dutyCycle: 0.7 }, "Athena Hera Apollo Hermes"],
    Hera: [S, { type: CA, partner: "Zeus", dutyCycle: 0.7 }, "Zeus Demeter Aphrodite"],
    Athena: [S, { type: CA, partner: "Apollo", dutyCycle: 0.7 }, "Zeus Apollo Hermes Hephaestus"],
    Apollo: [S, { type: CA, partner: "Athena", dutyCycle: 0.7 }, "Athena Hermes Artemis Dionysus"],
    Artemis: [S, { type: MR, partner: "Hermes", dutyCycle: 0.85 }, "Apollo Hermes Ares"],
    Ares: [S, { type: SC, dutyCycle: 0.6, restDuration: 0.4 }, "Athena Artemis Aphrodite Hephaestus"],
    Demeter: [S, { type: SC, dutyCycle: 0.7, restDuration: 0.3 }, "Hera Persephone Hephaestus"],
    Persephone: [S, { type: "seasonal", dutyCycle: 0.5, ...SEASONS }, "Demeter Hades Dionysus"],
    Hades: [S, { type: "never" }, "Ocean Poseidon Persephone"],
  };
  it.each(Object.keys(expected))("reads %s: tier, rest policy, coupling affinity", (name) => {
    const [tier, policy, affinity] = expected[name] ?? [];
    const god = loaded(result).gods.get(name);
    expect(god?.tier).toBe(tier);
    // toEqual: any field not listed (partner, rest_duration…) must be absent.
    expect(god?.restPolicy).toEqual({ reason: god?.restPolicy.reason, ...policy });
    expect(god?.couplingAffinity).toEqual(affinity?.split(" "));
  });

  it("takes chaos limits 240 / 30 / 200 and the pattern chaos_{domain}_{id}", () => {
    const { namePattern, ...limits } = loaded(result).chaos;
    expect(limits).toEqual({ ...limits, maxChaosKernels: 240, perDomainLimit: 30, totalActiveLimit: 200 });
    expect(limits.namingPattern).toBe("chaos_{domain}_{id}");
    expect(namePattern.test("chaos_focus_1")).toBe(true);
  });

  it("has exactly one warning: Hermes breaks the essential-never rule; every rule is understood", () => {
    const hermes = { severity: "warning", god: "Hermes", field: "rest_policy.type", rule: ESSENTIAL_RULE };
    expect(result.warnings).toMatchObject([hermes]);
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

  it("has no warnings and no unchecked rules, though it lists rules", () => {
    const result = loadRegistryFile(defaultRegistryPath());
    expect(result.warnings).toEqual([]);
    expect(result.uncheckedRules).toEqual([]);
    expect(loaded(result).validationRules.length).toBeGreaterThan(0);
  });
});

describe("structural errors name the god and the field; the registry is not built", () => {
  it.each([
    ["an unknown policy type", "Zeus.rest_policy.type", "napping", /^unknown value "napping"/],
    ["a partner that is not a god", "Zeus.rest_policy.partner", "Thor", /^"Thor" is not a god of this/],
    ["a missing tier", "Athena.tier", undefined, /^is required$/],
    ["a god partnering itself", "Hera.rest_policy.partner", "Hera", /cannot partner itself/],
    ["coordinated_alternating, no partner", "Zeus.rest_policy.partner", undefined, /coordinated_alt/],
    ["seasonal, no duty_cycle", "Persephone.rest_policy.duty_cycle", undefined, /required for seasonal/],
    ["duty_cycle 1.5", "Ares.rest_policy.duty_cycle", 1.5, /must be ≤ 1/],
    ["duty_cycle 0", "Ares.rest_policy.duty_cycle", 0, /must be > 0/],
    ["duty_cycle -0.2", "Ares.rest_policy.duty_cycle", -0.2, /must be > 0/],
    ['duty_cycle "0.6"', "Ares.rest_policy.duty_cycle", "0.6", /must be a number/],
  ] as const)("rejects %s (%s)", (_, path, value, message) => {
    const [god = "", ...field] = path.split(".");
    expectOneError(edited({ [`gods.${path}`]: value }), god, field.join("."), message);
  });

  it("rejects a coupling_affinity entry that is not a god, naming its index", () => {
    const result = edited({ "gods.Apollo.coupling_affinity.2": "Odin" });
    expectOneError(result, "Apollo", "coupling_affinity[2]", /^"Odin" is not a god of this registry$/);
  });

  it("reports a YAML syntax error", () => {
    const result = parseRegistry(USERS_TEXT.replace("[Ocean, Hermes]", "[Ocean, Hermes"));
    expect(result.registry).toBeUndefined();
    expect(result.errors).toEqual([expect.objectContaining({ severity: "error", field: "(yaml)" })]);
  });

  it("reports a god listed twice", () => {
    const result = parseRegistry(USERS_TEXT.replace("\n  Hera:\n", "\n  Zeus:\n"));
    expect(result.registry).toBeUndefined();
    expect(result.errors).toMatchObject([{ severity: "error", god: "Zeus", field: "(name)" }]);
    expect(result.errors[0]?.message).toMatch(/defined twice.*unique/i);
  });
});

describe("every fault in one round", () => {
  it("reports a bad partner even when another god fails the schema", () => {
    const text = USERS_TEXT.replace("partner: Hera", "partner: Thor").replace(
      "type: scheduled",
      "type: napping",
    );
    const fields = parseRegistry(text).errors.map((e) => `${e.god}/${e.field}`);
    expect(fields).toEqual(expect.arrayContaining(["Zeus/rest_policy.partner", "Ares/rest_policy.type"]));
  });

  it("says a missing rest_policy is required", () => {
    const text = USERS_TEXT.replace(/(\n {2}Zeus:[\s\S]*?)\n {4}rest_policy:\n( {6}.*\n)+/, "$1\n");
    expect(parseRegistry(text).errors).toMatchObject([
      { god: "Zeus", field: "rest_policy", message: "is required" },
    ]);
  });

  it("reports a missing file as a registry error, not a crash", () => {
    expect(() => requireRegistry("/nonexistent/registry.yaml")).toThrow(/not found/);
  });

  it("reads the chaos domain by name whatever the placeholder order, and braces literally", () => {
    expect("7-focus".match(chaosNameRegExp("{id}-{domain}"))?.groups).toEqual({ id: "7", domain: "focus" });
    expect(chaosNameRegExp("k{2}_{domain}_{id}").test("k{2}_focus_1")).toBe(true);
    expect(chaosNameRegExp("k{2}_{domain}_{id}").test("kk_focus_1")).toBe(false);
  });
});

describe("the file's validation rules become warnings", () => {
  it("warns for a god whose max_instances is not 1, or missing", () => {
    const edits = {
      "gods.Zeus.spawn_constraints.max_instances": 2,
      "gods.Ares.spawn_constraints": undefined,
    };
    const result = edited(edits);
    loaded(result);
    expect(extraWarnings(result)).toEqual([
      ["Zeus", "spawn_constraints.max_instances", "is 2, rule wants 1"],
      ["Ares", "spawn_constraints.max_instances", "is missing, rule wants 1"],
    ]);
  });

  it("warns for a specialized god without e8_alignment, but not for an essential one", () => {
    const result = edited({ "gods.Hades.e8_alignment": undefined, "gods.Hera.e8_alignment": null });
    const essential = edited({ "gods.Heart.e8_alignment": undefined, "gods.Hermes.e8_alignment": null });
    expect(extraWarnings(result)).toEqual([
      ["Hera", "e8_alignment", "is missing"],
      ["Hades", "e8_alignment", "is missing"],
    ]);
    expect(extraWarnings(essential)).toEqual([]);
  });

  it("warns when gods plus total_active_limit exceed 240, not when they reach it", () => {
    const limit = "chaos_kernel_rules.spawning_limits.total_active_limit";
    expect(extraWarnings(edited({ [limit]: 224 }))).toEqual([]);
    const over = extraWarnings(edited({ [limit]: 225 }));
    expect(over).toEqual([[undefined, limit, "16 gods + 225 chaos kernels = 241 > 240"]]);
  });

  it("warns for names that differ only in case", () => {
    const zeus = (parse(USERS_TEXT) as { gods: Record<string, object> }).gods.Zeus;
    const result = edited({ "gods.zeus": { ...zeus, rest_policy: { type: "never" } } });
    expect(loaded(result).gods.size).toBe(17);
    expect(extraWarnings(result)).toEqual([["zeus", "(name)", "differs from Zeus only in case"]]);
  });

  it("lists a rule it does not understand as unchecked, not as a warning", () => {
    const rule = "Gods must be worshipped on Sundays";
    const result = edited({ "validation_rules.6": rule });
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
  const bad = ["chaos_focus", "Chaos_focus_1", "chaos__1", "chaos_focus_1x", "xchaos_focus_1"];
  it.each(bad)("rejects %s", (name) => expect(re.test(name)).toBe(false));
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
    const path = join(dir, "broken.yaml");
    const broken = { "gods.Zeus.rest_policy.partner": "Thor", "gods.Apollo.coupling_affinity.2": "Odin" };
    writeFileSync(path, editedText(broken));
    let error: unknown;
    try {
      requireRegistry(path);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(RegistryError);
    const { issues, message } = error as RegistryError;
    const fields = issues.map((i) => `${i.god} ${i.field}`);
    expect(fields).toEqual(["Zeus rest_policy.partner", "Apollo coupling_affinity[2]"]);
    expect(message).toContain(path);
    expect(message).toContain("god Zeus, field rest_policy.partner");
    expect(message).toContain("god Apollo, field coupling_affinity[2]");
  });
});
