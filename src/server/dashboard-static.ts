/**
 * Serves the built web dashboard (dist/web, made by `npm run build`) at `/`. API routes win
 * (they are registered as exact routes, the dashboard as the catch-all), and an unknown
 * `/api/…` path still gets the JSON 404. Any other page path gets index.html, so a reload on
 * a deep link still opens the dashboard.
 *
 * Files are looked up per request, so a rebuild is served without a restart. Hashed assets
 * (`/assets/…`) are cached for good; index.html never is, so a new build is picked up.
 */
import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".woff2": "font/woff2",
};

/** The page's own code only: scripts, styles, fetches and the event stream from this server. */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'";

/**
 * Where the build is: dist/web beside dist/server when running the compiled server, or the
 * repository's dist/web when running from source (tests, tsx).
 */
export function dashboardDirectory(): string {
  const candidates = [
    fileURLToPath(new URL("../web/", import.meta.url)),
    fileURLToPath(new URL("../../dist/web/", import.meta.url)),
  ];
  return candidates.find((dir) => existsSync(join(dir, "index.html"))) ?? (candidates[1] as string);
}

const NOT_BUILT = (dir: string) =>
  `<!doctype html><title>Autonomic</title><p>The dashboard is not built (no ${dir}index.html). Run <code>npm run build</code>; the API is up regardless.</p>`;

export function dashboardStatic(app: FastifyInstance, root: string = dashboardDirectory()): void {
  const base = resolve(root);

  /** A file inside the build, or null (missing, a folder, or a path that leaves it). */
  async function fileFor(pathname: string): Promise<string | null> {
    if (pathname.includes("\0")) return null;
    const path = resolve(base, `.${pathname}`);
    if (path !== base && !path.startsWith(base + sep)) return null;
    try {
      return (await stat(path)).isFile() ? path : null;
    } catch {
      return null;
    }
  }

  async function send(reply: FastifyReply, path: string, pathname: string) {
    const body = await readFile(path);
    const type = CONTENT_TYPES[extname(path)] ?? "application/octet-stream";
    reply.header("content-type", type).header("x-content-type-options", "nosniff");
    if (pathname.startsWith("/assets/")) reply.header("cache-control", "public, max-age=31536000, immutable");
    else reply.header("cache-control", "no-cache");
    if (type.startsWith("text/html")) reply.header("content-security-policy", CONTENT_SECURITY_POLICY);
    return reply.send(body);
  }

  async function page(request: FastifyRequest, reply: FastifyReply) {
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(request.url, "http://dashboard").pathname);
    } catch {
      return reply.callNotFound();
    }
    if (pathname === "/api" || pathname.startsWith("/api/")) return reply.callNotFound();
    const file = pathname === "/" ? null : await fileFor(pathname);
    if (file) return send(reply, file, pathname);
    // Browsers ask for /favicon.ico on any page they show, JSON included (/openapi.json): the
    // icon is an SVG, so they are sent there rather than logging a 404 in the console.
    if (pathname === "/favicon.ico" && (await fileFor("/favicon.svg")))
      return reply.redirect("/favicon.svg", 301);
    // A path with an extension names a file: missing is a 404, not the page.
    if (pathname !== "/" && extname(pathname) !== "") return reply.callNotFound();
    const index = await fileFor("/index.html");
    if (index) return send(reply, index, "/index.html");
    return reply
      .code(404)
      .type("text/html; charset=utf-8")
      .send(NOT_BUILT(`${base}${sep}`));
  }

  // The dashboard's files are not API: left out of /openapi.json.
  app.get("/", { schema: { hide: true } }, page);
  app.get("/*", { schema: { hide: true } }, page);
}
