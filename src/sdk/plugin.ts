/**
 * `setupSelfHealing(app)`: the SDK's plug for a kernel that already serves HTTP with
 * Fastify or Express (SPEC §6 "Kernel SDK"). It times every request and counts server
 * failures into a CallStats — usually a KernelClient's `calls`, which each snapshot then
 * drains into error_rate and avg_latency_ms — and can add a small status route. It adds
 * hooks (Fastify) or one middleware (Express) and nothing else: the app's routes and
 * replies stay exactly as they were.
 *
 * A request counts as failed when its reply is a 5xx, or when its handler threw an
 * error that is not a client error (Fastify's onError; an error carrying a 4xx status,
 * such as a schema validation failure, is the caller's fault, not the kernel's).
 * Express has no hook that sees a thrown error without changing the app's error
 * handling, so there a thrown error counts through the 500 that Express replies with.
 * Requests to the status route itself are not counted: a monitor polling it must not
 * dilute the figures it reads.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { FastifyInstance } from "fastify";
import { CallStats } from "./call-stats.js";

type AnyFunction = (...args: never[]) => unknown;

/**
 * Anything with Fastify's `addHook` and `get`, whatever its type parameters.
 * @example const app: FastifyLike = Fastify();
 */
export interface FastifyLike {
  addHook: AnyFunction;
  get: AnyFunction;
}

/**
 * Anything with Express's `use` (Express 5; Express 4 works too).
 * @example const app: ExpressLike = express();
 */
export interface ExpressLike {
  use: AnyFunction;
}

/**
 * What owns the CallStats to feed, without this module knowing the client.
 * @example const owner: CallsOwner = new KernelClient({ url, kernelId: "apollo_1" });
 */
export interface CallsOwner {
  calls: CallStats;
}

/** @example { client, statusRoute: "/healthz/self-healing" } */
export interface SelfHealingOptions {
  /** Where to count; takes precedence over `client`. */
  stats?: CallStats;
  /** Count into `client.calls` (a KernelClient), so the figures reach its snapshots. */
  client?: CallsOwner;
  /** GET route replying with the live summary (default "/self-healing/status"); false for none. */
  statusRoute?: string | false;
  /** Milliseconds from any origin (default `performance.now`, monotonic). */
  clock?: () => number;
}

/**
 * What `setupSelfHealing` wired up.
 * @example const { stats } = setupSelfHealing(app); stats.summary().error_rate;
 */
export interface SelfHealingSetup {
  stats: CallStats;
}

const DEFAULT_STATUS_ROUTE = "/self-healing/status";

/**
 * Times every request of an existing Fastify instance or Express app and counts its
 * failures. Call it before `listen` (Fastify: before `ready`).
 * @example
 * const app = Fastify();
 * app.get("/answer", answerRoute);
 * setupSelfHealing(app, { client });
 * await app.listen({ port: 8080 });
 */
export function setupSelfHealing(
  app: FastifyLike | ExpressLike,
  options: SelfHealingOptions = {},
): SelfHealingSetup {
  const stats = options.stats ?? options.client?.calls ?? new CallStats();
  const statusRoute = options.statusRoute ?? DEFAULT_STATUS_ROUTE;
  if (statusRoute !== false && !statusRoute.startsWith("/"))
    throw new TypeError(`setupSelfHealing: statusRoute must start with "/", got "${statusRoute}"`);
  const clock = options.clock ?? (() => performance.now());
  const candidate = app as Partial<FastifyLike & ExpressLike>;
  if (typeof candidate.addHook === "function") {
    setupFastify(app as unknown as FastifyInstance, stats, statusRoute, clock);
  } else if (typeof candidate.use === "function") {
    setupExpress(app as unknown as ExpressApp, stats, statusRoute, clock);
  } else {
    throw new TypeError("setupSelfHealing: app must be a Fastify instance (addHook) or an Express app (use)");
  }
  return { stats };
}

function setupFastify(
  app: FastifyInstance,
  stats: CallStats,
  statusRoute: string | false,
  clock: () => number,
): void {
  // Per-request state lives beside the request, not on it: no decorator to collide
  // with a second setup or with the app's own, and nothing left behind after the reply.
  const started = new WeakMap<object, number>();
  const threw = new WeakSet<object>();
  // Hooks on the root instance reach every route, including those of encapsulated
  // plugins, which is why this is not itself registered as a plugin.
  app.addHook("onRequest", (request, _reply, done) => {
    if (statusRoute === false || request.routeOptions.url !== statusRoute) started.set(request, clock());
    done();
  });
  app.addHook("onError", (request, _reply, error, done) => {
    if (!isClientError(error)) threw.add(request);
    done();
  });
  app.addHook("onResponse", (request, reply, done) => {
    const start = started.get(request);
    if (start !== undefined) {
      started.delete(request);
      stats.record(clock() - start, reply.statusCode >= 500 || threw.has(request));
    }
    done();
  });
  if (statusRoute !== false) app.get(statusRoute, async () => stats.summary());
}

type NodeMiddleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

/** The parts of an Express app this module touches; the router stack is read, never required. */
interface ExpressApp {
  use(middleware: NodeMiddleware): unknown;
  router?: RouterLike;
  _router?: RouterLike;
}

interface RouterLike {
  stack?: { handle?: unknown }[];
}

function setupExpress(
  app: ExpressApp,
  stats: CallStats,
  statusRoute: string | false,
  clock: () => number,
): void {
  const middleware: NodeMiddleware = (req, res, next) => {
    if (statusRoute !== false && req.method === "GET" && pathOf(req.url) === statusRoute) {
      res.statusCode = 200;
      res.setHeader("content-type", "application/json; charset=utf-8");
      res.end(JSON.stringify(stats.summary()));
      return;
    }
    const start = clock();
    let recorded = false;
    // 'close' follows 'finish' on a normal reply and replaces it on an aborted one.
    const record = (): void => {
      if (recorded) return;
      recorded = true;
      stats.record(clock() - start, res.statusCode >= 500);
    };
    res.once("finish", record);
    res.once("close", record);
    next();
  };
  app.use(middleware);
  runFirst(app, middleware);
}

/**
 * Express runs middleware in the order it was added, so one added after the routes
 * would never see them. Moving it to the front makes setup order not matter.
 */
function runFirst(app: ExpressApp, middleware: NodeMiddleware): void {
  // Express 4 keeps its router in `_router` (its `router` getter throws); Express 5 in `router`.
  const stack = (app._router ?? app.router)?.stack;
  if (!Array.isArray(stack)) return;
  const index = stack.findIndex((layer) => layer.handle === middleware);
  if (index > 0) stack.unshift(...stack.splice(index, 1));
}

function pathOf(url: string | undefined): string {
  if (url === undefined) return "";
  const query = url.indexOf("?");
  return query === -1 ? url : url.slice(0, query);
}

function isClientError(error: unknown): boolean {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" && status >= 400 && status < 500;
}
