import { describe, expect, it } from "vitest";
import { childEnvironment, knownSecrets, REDACTED, redactSecrets } from "./child-environment.js";

const ENV = {
  PATH: "/usr/bin",
  HOME: "/home/ops",
  AUTONOMIC_OPERATOR_TOKEN: "operator-token-0123456789",
  AUTONOMIC_KERNEL_TOKEN: "kernel-token-0123456789",
  GITHUB_TOKEN: "ghp_abcdefghijklmnop",
  DATABASE_URL: "postgres://autonomic:s3cret-pass@db/autonomic",
  REPORTS_URL: "https://reporter:hunter2hunter2@reports.example/x",
  AUTONOMIC_URL: "http://127.0.0.1:7070",
  SAME_AS_CONFIG: "configured-secret-value",
};

describe("the environment of processes the server starts", () => {
  it("leaves out tokens, database URLs, URLs with passwords and variables holding a configured secret, and keeps the rest", () => {
    const secrets = knownSecrets(ENV, ["configured-secret-value"]);

    const env = childEnvironment(ENV, secrets);

    expect(env).toEqual({ PATH: "/usr/bin", HOME: "/home/ops", AUTONOMIC_URL: "http://127.0.0.1:7070" });
  });

  it("blots every known secret out of output, a URL's password too, and ignores short or empty ones", () => {
    const secrets = knownSecrets(ENV, ["postgres://app:pa%24%24word@db/x", null, "", "short"]);
    const output = [
      "token=operator-token-0123456789",
      "kernel kernel-token-0123456789 ghp_abcdefghijklmnop",
      "connecting to postgres://autonomic:s3cret-pass@db/autonomic failed",
      "password pa$$word and pa%24%24word",
      "a short value stays",
    ].join("\n");

    const shown = redactSecrets(output, secrets);

    for (const secret of [
      "operator-token",
      "kernel-token",
      "ghp_",
      "s3cret-pass",
      "pa$$word",
      "pa%24%24word",
    ])
      expect(shown).not.toContain(secret);
    expect(shown).toContain(`token=${REDACTED}`);
    expect(shown).toContain("a short value stays");
  });
});
