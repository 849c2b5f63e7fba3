/**
 * Serving the built dashboard beside the API: files from the build, index.html for page
 * paths, and the API's own JSON 404 for what is neither.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dashboardStatic } from "./dashboard-static.js";

const INDEX = "<!doctype html><title>Autonomic</title>";
let root: string;
let app: FastifyInstance;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "autonomic-dashboard-static-"));
  root = join(dir, "web");
  mkdirSync(join(root, "assets"), { recursive: true });
  writeFileSync(join(root, "index.html"), INDEX);
  writeFileSync(join(root, "assets", "index-abc123.js"), "console.log(1)");
  writeFileSync(join(root, "favicon.svg"), "<svg/>");
  writeFileSync(join(dir, "secret.txt"), "outside the build");
  app = Fastify();
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: `no route ${request.url}` }));
  app.get("/api/rest/health", async () => ({ status: "ok" }));
  dashboardStatic(app, root);
  await app.ready();
});

afterAll(async () => {
  await app.close();
  rmSync(join(root, ".."), { recursive: true, force: true });
});

const get = (url: string, headers: Record<string, string> = {}) =>
  app.inject({ method: "GET", url, headers });

describe("the dashboard's files", () => {
  it("serves index.html at / without caching, under a same-origin content security policy", async () => {
    const reply = await get("/");
    expect(reply.statusCode).toBe(200);
    expect(reply.body).toBe(INDEX);
    expect(reply.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(reply.headers["cache-control"]).toBe("no-cache");
    expect(reply.headers["content-security-policy"]).toContain("default-src 'self'");
  });

  it("serves hashed assets with their type, cached for good", async () => {
    const reply = await get("/assets/index-abc123.js");
    expect(reply.statusCode).toBe(200);
    expect(reply.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(reply.headers["cache-control"]).toContain("immutable");
    expect((await get("/favicon.svg")).headers["content-type"]).toBe("image/svg+xml");
  });

  it("sends a browser's /favicon.ico to the SVG icon instead of a 404", async () => {
    const reply = await get("/favicon.ico");
    expect(reply.statusCode).toBe(301);
    expect(reply.headers.location).toBe("/favicon.svg");
  });

  it("leaves the API's routes to the API", async () => {
    expect((await get("/api/rest/health")).json()).toEqual({ status: "ok" });
  });

  it("answers an unknown API path with the API's 404, not the page", async () => {
    const reply = await get("/api/rest/nothing-here");
    expect(reply.statusCode).toBe(404);
    expect(reply.json()).toEqual({ error: "no route /api/rest/nothing-here" });
  });

  it("opens the page on any other page path, so a reload of a deep link works", async () => {
    const reply = await get("/kernels/apollo_1");
    expect(reply.statusCode).toBe(200);
    expect(reply.body).toBe(INDEX);
  });

  it("is a 404 for a missing file, rather than the page under a file's name", async () => {
    expect((await get("/assets/gone-999.js")).statusCode).toBe(404);
  });

  it("never serves a file outside the build", async () => {
    for (const path of ["/../secret.txt", "/%2e%2e/secret.txt", "/assets/%2e%2e/%2e%2e/secret.txt"]) {
      const reply = await get(path);
      expect(reply.body, path).not.toContain("outside the build");
    }
  });
});

describe("without a build", () => {
  it("says how to build it, and the API still answers", async () => {
    const bare = Fastify();
    bare.get("/api/rest/health", async () => ({ status: "ok" }));
    dashboardStatic(bare, join(root, "no-such-build"));
    const page = await bare.inject({ method: "GET", url: "/" });
    expect(page.statusCode).toBe(404);
    expect(page.body).toContain("npm run build");
    expect((await bare.inject({ method: "GET", url: "/api/rest/health" })).statusCode).toBe(200);
    await bare.close();
  });
});
