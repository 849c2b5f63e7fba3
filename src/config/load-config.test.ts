import { describe, expect, it } from "vitest";
import { loadConfig } from "./load-config.js";

const A = "first-token-0123456789";
const B = "second-token-0123456789";

describe("loadConfig's access settings", () => {
  it("refuses one token in two roles, naming both keys and where each came from", () => {
    expect(() => loadConfig({ env: { AUTONOMIC_KERNEL_TOKEN: A, AUTONOMIC_OPERATOR_TOKEN: A } })).toThrow(
      /access\.operatorToken: .*access\.kernelToken.*AUTONOMIC_OPERATOR_TOKEN.*access\.kernelToken from AUTONOMIC_KERNEL_TOKEN/,
    );
    expect(() => loadConfig({ env: { AUTONOMIC_OPERATOR_TOKEN: A, AUTONOMIC_VIEWER_TOKEN: A } })).toThrow(
      /access\.viewerToken: .*access\.operatorToken/,
    );
  });

  it("takes a viewer token from AUTONOMIC_VIEWER_TOKEN and normalises allowed origins", () => {
    const config = loadConfig({
      env: { AUTONOMIC_OPERATOR_TOKEN: A, AUTONOMIC_VIEWER_TOKEN: B },
      flags: {
        access: { allowedOrigins: ["HTTPS://Ops.Example:443/"], allowedHosts: ["Autonomic.Internal"] },
      },
    });
    expect(config.access).toMatchObject({
      viewerToken: B,
      allowedOrigins: ["https://ops.example"],
      allowedHosts: ["autonomic.internal"],
      metricsPublic: false,
      kernelScoped: false,
    });
  });
});
