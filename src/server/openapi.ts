/**
 * /openapi.json and /docs, built from the routes themselves: each route declares its zod
 * schemas (params, query, body, headers, replies) in its `schema` option, @fastify/swagger
 * collects every route as it is added, and fastify-type-provider-zod's transform turns the
 * zod schemas into JSON Schema. A route added without a schema still appears (with its
 * path and method); only routes marked `hide` (the dashboard's files, /docs itself) are left
 * out. /docs is @fastify/swagger-ui, its assets served from node_modules, so it works offline.
 *
 * Fastify neither validates nor serialises with these schemas: the handlers parse their input
 * with the same zod schemas (parseInput), after their access checks, so a 401 stays a 401 and
 * a 400 keeps naming the field as before; replies go out as JSON.stringify would send them.
 *
 * To document a new route: give it `schema: { tags, summary, params/querystring/body/headers
 * (the zod schemas it parses with), response: { 200: <zod reply>, ...restErrors } }`.
 */
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";
import { jsonSchemaTransform } from "fastify-type-provider-zod";
import { z } from "zod";

/** What an operator token's route declares: the bearer security and the optional actor header. */
export const OPERATOR = { security: [{ bearer: [] }] } as const;
/** Routes anyone may read, tokens or not. */
export const OPEN = { security: [] } as const;

const DESCRIPTION = `Rest scheduling, health and healing for an agent constellation.

With tokens configured every route needs a bearer token but GET /api/rest/health, /openapi.json, /docs and (with access.metricsPublic) /metrics: a viewer token reads, a kernel token (shared, or scoped to one kernel id) also registers, reports and answers actions, an operator token does everything. Browser requests from another origin or to a foreign Host are refused (403) with or without tokens.

Errors keep each route family's shape: /api/self-healing answers {success:false, error, code}, the others {status:"error", error, code}; a 400's error names the field.`;

/** Content security for /docs: its own scripts and styles only, nothing fetched from elsewhere. */
const DOCS_CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'";

export async function apiDocs(app: FastifyInstance, version: string): Promise<void> {
  // Schemas are documentation: the handlers validate (see above), replies are plain JSON.
  app.setValidatorCompiler(() => (value) => ({ value }));
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: { title: "Autonomic", version, description: DESCRIPTION },
      components: {
        securitySchemes: {
          bearer: {
            type: "http",
            scheme: "bearer",
            description: "viewer, kernel, kernel-scoped (akt_…) or operator token; the scheme in any case",
          },
        },
      },
      security: [{ bearer: [] }],
      tags: [
        { name: "rest", description: "Rest scheduling (the original's /api/rest)" },
        { name: "cycles", description: "Constellation cycles" },
        { name: "health", description: "Health snapshots and reads" },
        { name: "actions", description: "Remediation actions and their answers" },
        { name: "healing", description: "The healing loop, patches, phases and alerts" },
        { name: "access", description: "Kernel-scoped tokens" },
        { name: "dashboard", description: "Reads for the dashboard" },
        { name: "server", description: "Events, metrics and this document" },
      ],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, {
    routePrefix: "/docs",
    // No call to validator.swagger.io: the page works offline.
    uiConfig: { validatorUrl: null, docExpansion: "list", deepLinking: true },
    staticCSP: DOCS_CSP,
  });

  app.get(
    "/openapi.json",
    {
      schema: {
        tags: ["server"],
        summary: "This document (open: no token needed)",
        ...OPEN,
        response: { 200: z.looseObject({ openapi: z.string(), paths: z.record(z.string(), z.unknown()) }) },
      },
    },
    async () => app.swagger(),
  );
}
