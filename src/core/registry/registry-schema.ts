/**
 * The shape of a registry file in the users' format (pantheon-registry.yaml). Fields we
 * do not use (epithets, e8 details, lifecycle prose) are kept but not required, so the
 * users' file loads as it is.
 */
import { z } from "zod";

export const TIERS = ["essential", "specialized"] as const;
export const REST_POLICY_TYPES = [
  "never",
  "minimal_rotating",
  "coordinated_alternating",
  "scheduled",
  "seasonal",
] as const;

export type Tier = (typeof TIERS)[number];
export type RestPolicyType = (typeof REST_POLICY_TYPES)[number];

function oneOf<T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, {
    error: (issue) =>
      issue.input === undefined
        ? "is required"
        : `unknown value ${JSON.stringify(issue.input)}; expected one of ${values.join(", ")}`,
  });
}

const unitInterval = (what: string) =>
  z
    .number({ error: (i) => (i.input === undefined ? "is required" : `${what} must be a number`) })
    .gt(0, `${what} must be > 0`)
    .max(1, `${what} must be ≤ 1`);

export const restPolicySchema = z.looseObject(
  {
    type: oneOf(REST_POLICY_TYPES),
    partner: z.string().min(1).optional(),
    duty_cycle: unitInterval("duty_cycle").optional(),
    rest_duration: unitInterval("rest_duration").optional(),
    active_season: z.string().optional(),
    rest_season: z.string().optional(),
    reason: z.string().optional(),
  },
  { error: (issue) => (issue.input === undefined ? "is required" : "must be a mapping with a type") },
);

export const godSchema = z.looseObject({
  tier: oneOf(TIERS),
  domain: z.array(z.string()).default([]),
  description: z.string().optional(),
  coupling_affinity: z.array(z.string()).nullish(),
  rest_policy: restPolicySchema,
  spawn_constraints: z.looseObject({ max_instances: z.number().int().positive().optional() }).optional(),
  e8_alignment: z.unknown().optional(),
});

const count = z.number().int().nonnegative();

export const chaosRulesSchema = z.looseObject({
  naming_pattern: z.string().default("chaos_{domain}_{id}"),
  spawning_limits: z
    .looseObject({
      max_chaos_kernels: count.default(240),
      per_domain_limit: count.default(30),
      total_active_limit: count.default(200),
    })
    .default({ max_chaos_kernels: 240, per_domain_limit: 30, total_active_limit: 200 }),
});

export const registryFileSchema = z.looseObject({
  gods: z.record(z.string(), godSchema, { error: "is required: a map of god name to contract" }),
  chaos_kernel_rules: chaosRulesSchema.optional(),
  validation_rules: z.array(z.string()).default([]),
});

export type RegistryFile = z.infer<typeof registryFileSchema>;
export type GodEntry = z.infer<typeof godSchema>;
