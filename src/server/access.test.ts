import type { FastifyRequest } from "fastify";
import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "../core/config.js";
import { tokenDigest } from "../services/access-token-service.js";
import { AccessControl, bearerToken, type ScopedTokenLookup } from "./access.js";

const KERNEL = "kernel-token-0123456789";
const OPERATOR = "operator-token-0123456789";
const VIEWER = "viewer-token-0123456789";
const APOLLO = "akt_apollo-scoped-token-0123456789";

const scoped: ScopedTokenLookup = {
  findByDigest: (digest) =>
    digest.equals(tokenDigest(APOLLO)) ? { token_id: "tok_0123456789abcdef", kernel_id: "apollo_1" } : null,
};
const access = (extra: Partial<typeof DEFAULT_CONFIG.access> = {}) =>
  new AccessControl(
    { ...DEFAULT_CONFIG.access, kernelToken: KERNEL, operatorToken: OPERATOR, viewerToken: VIEWER, ...extra },
    scoped,
  );
const request = (authorization?: string) =>
  ({ headers: authorization === undefined ? {} : { authorization } }) as FastifyRequest;
const bearer = (token: string) => request(`Bearer ${token}`);
const codeOf = (act: () => unknown) => {
  try {
    act();
    return "allowed";
  } catch (err) {
    return (err as { code: string }).code;
  }
};

describe("who may do what", () => {
  it("reads the bearer scheme in any case", () => {
    for (const header of [`Bearer ${KERNEL}`, `bearer ${KERNEL}`, `BEARER  ${KERNEL}`])
      expect(bearerToken(header), header).toBe(KERNEL);
    expect(bearerToken(`Basic ${KERNEL}`)).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
    expect(access().principalOf(request(`bearer ${OPERATOR}`))).toEqual({ role: "operator" });
  });

  it("lets a viewer token read only, a kernel token act for any kernel, an operator token do everything", () => {
    const a = access();
    expect(codeOf(() => a.require(bearer(VIEWER), "viewer"))).toBe("allowed");
    expect(codeOf(() => a.require(bearer(VIEWER), "kernel"))).toBe("forbidden");
    expect(codeOf(() => a.requireKernel(bearer(KERNEL), ["apollo_1", "athena_1"]))).toBe("allowed");
    expect(codeOf(() => a.require(bearer(KERNEL), "operator"))).toBe("forbidden");
    expect(codeOf(() => a.require(bearer(OPERATOR), "operator"))).toBe("allowed");
    expect(codeOf(() => a.require(request(), "viewer"))).toBe("unauthorized");
    expect(codeOf(() => a.require(bearer("made-up-token-0123456789"), "viewer"))).toBe("unauthorized");
  });

  it("lets a kernel-scoped token act for its own kernel alone, and read", () => {
    const a = access();
    expect(codeOf(() => a.requireKernel(bearer(APOLLO), ["apollo_1", "apollo_1"]))).toBe("allowed");
    expect(codeOf(() => a.requireKernel(bearer(APOLLO), ["apollo_1", "athena_1"]))).toBe("forbidden_kernel");
    expect(codeOf(() => a.require(bearer(APOLLO), "viewer"))).toBe("allowed");
    expect(codeOf(() => a.require(bearer(APOLLO), "operator"))).toBe("forbidden");
  });

  it("turns the shared kernel token off with access.kernelScoped, saying so", () => {
    const a = access({ kernelScoped: true });
    expect(() => a.requireKernel(bearer(KERNEL), ["apollo_1"])).toThrow(/access\.kernelScoped/);
    expect(codeOf(() => a.requireKernel(bearer(APOLLO), ["apollo_1"]))).toBe("allowed");
  });

  it("trusts every request when no token is configured", () => {
    const open = new AccessControl(DEFAULT_CONFIG.access, scoped);
    expect(open.enabled).toBe(false);
    expect(codeOf(() => open.require(request(), "operator"))).toBe("allowed");
    expect(codeOf(() => open.requireKernel(bearer(APOLLO), ["athena_1"]))).toBe("allowed");
  });
});
