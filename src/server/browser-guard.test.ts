import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import {
  type BrowserGuardOptions,
  type BrowserHeaders,
  browserGuard,
  browserRefusal,
} from "./browser-guard.js";

const LOOPBACK: BrowserGuardOptions = { bindHost: "127.0.0.1", allowedHosts: [], allowedOrigins: [] };
const refusal = (headers: BrowserHeaders, options = LOOPBACK) =>
  browserRefusal(headers, options)?.code ?? null;

describe("which browser requests a server serves", () => {
  it("serves clients that are not browsers: a loopback Host and no Origin", () => {
    for (const host of ["127.0.0.1:7070", "localhost:7070", "[::1]:7070", "127.0.0.2", "app.localhost:7070"])
      expect(refusal({ host }), host).toBeNull();
    expect(refusal({})).toBeNull();
  });

  it("serves the dashboard's own requests: Origin is the origin of the Host they went to", () => {
    expect(refusal({ host: "127.0.0.1:7070", origin: "http://127.0.0.1:7070" })).toBeNull();
    expect(
      refusal({ host: "localhost:7070", origin: "http://localhost:7070", "sec-fetch-site": "same-origin" }),
    ).toBeNull();
  });

  it("refuses a web page's request to a loopback server (another origin, or another port of localhost)", () => {
    for (const origin of ["https://evil.example", "http://localhost:3000", "null", "file://"])
      expect(refusal({ host: "127.0.0.1:7070", origin }), origin).toBe("forbidden_origin");
  });

  it("refuses DNS rebinding: a Host that is not a loopback name, the bind address or a configured name", () => {
    expect(refusal({ host: "evil.example:7070" })).toBe("forbidden_host");
    expect(refusal({ host: "evil.example:7070", origin: "http://evil.example:7070" })).toBe("forbidden_host");
    expect(refusal({ host: "10.0.0.5:7070" })).toBe("forbidden_host");
    expect(refusal({ host: "bad host" })).toBe("forbidden_host");
  });

  it("refuses a cross-site request that sends no Origin, but lets a link open the page", () => {
    expect(
      refusal({ host: "127.0.0.1:7070", "sec-fetch-site": "cross-site", "sec-fetch-mode": "no-cors" }),
    ).toBe("forbidden_origin");
    expect(refusal({ host: "127.0.0.1:7070", "sec-fetch-site": "same-site", "sec-fetch-mode": "cors" })).toBe(
      "forbidden_origin",
    );
    expect(
      refusal({ host: "127.0.0.1:7070", "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate" }),
    ).toBeNull();
  });

  it("serves configured names and origins, the bind address, and any address when binding a wildcard", () => {
    const proxied = {
      bindHost: "10.0.0.5",
      allowedHosts: ["autonomic.internal"],
      allowedOrigins: ["https://ops.example"],
    };
    expect(refusal({ host: "autonomic.internal" }, proxied)).toBeNull();
    expect(refusal({ host: "10.0.0.5:7070" }, proxied)).toBeNull();
    expect(refusal({ host: "10.0.0.5:7070", origin: "https://ops.example" }, proxied)).toBeNull();
    expect(refusal({ host: "10.0.0.5:7070", origin: "https://OPS.example" }, proxied)).toBeNull();
    expect(refusal({ host: "10.0.0.6:7070" }, proxied)).toBe("forbidden_host");
    const wildcard = { bindHost: "0.0.0.0", allowedHosts: [], allowedOrigins: [] };
    expect(refusal({ host: "192.168.1.20:7070" }, wildcard)).toBeNull();
    expect(refusal({ host: "box.lan:7070" }, wildcard)).toBe("forbidden_host");
    expect(refusal({ host: "anything.example" }, { ...wildcard, allowedHosts: ["*"] })).toBeNull();
  });
});

describe("the guard on a server", () => {
  it("gives every request its Host's own verdict while it keeps verdicts, past the number it keeps", async () => {
    const app = Fastify();
    browserGuard(app, LOOPBACK);
    app.get("/", async () => "ok");
    app.setErrorHandler((error, _request, reply) => reply.code(403).send((error as { code?: string }).code));
    try {
      // More distinct Hosts than the guard keeps verdicts for, good and bad interleaved, twice over.
      for (let round = 0; round < 2; round++)
        for (let i = 0; i < 100; i++) {
          const good = `127.0.0.${i + 1}:7070`;
          const bad = `evil${i}.example:7070`;
          expect((await app.inject({ url: "/", headers: { host: good } })).statusCode, good).toBe(200);
          expect((await app.inject({ url: "/", headers: { host: bad } })).body, bad).toBe("forbidden_host");
        }
    } finally {
      await app.close();
    }
  });
});
