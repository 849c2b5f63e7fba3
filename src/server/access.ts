/**
 * Who may do what (SPEC §6 "Access"). With tokens configured every request but the open
 * ones (scheduler health, the dashboard's files, the OpenAPI document, and /metrics when
 * `access.metricsPublic`) needs a bearer token:
 * - a *viewer* token may read;
 * - the shared *kernel* token may also register, report and answer actions for any kernel
 *   (unless `access.kernelScoped` turns it off);
 * - a *kernel-scoped* token (minted through /api/access/tokens) may do the same for its own
 *   kernel id alone;
 * - an *operator* token may do everything.
 * A missing or unknown token is a 401, a token whose role or kernel does not fit a 403, both
 * before the service is called, so they change nothing. Without tokens (loopback only) every
 * request is trusted. Tokens are compared as SHA-256 digests in constant time and never logged.
 */
import { timingSafeEqual } from "node:crypto";
import type { FastifyRequest } from "fastify";
import type { AutonomicConfig } from "../core/config.js";
import { AutonomicError } from "../core/errors.js";
import { tokenDigest } from "../services/access-token-service.js";

export type Role = "viewer" | "kernel" | "operator";

/** Who a valid token speaks for; `kernelId` is set for a kernel-scoped token only. */
export interface Principal {
  role: Role;
  kernelId?: string;
  tokenId?: string;
}

export class UnauthorizedError extends AutonomicError {
  readonly kind = "unauthorized";
  readonly code = "unauthorized";
}

export class ForbiddenError extends AutonomicError {
  readonly kind = "forbidden";
  constructor(
    message: string,
    readonly code = "forbidden",
  ) {
    super(message);
    this.name = "ForbiddenError";
  }
}

/** Finds a live kernel-scoped token by its SHA-256 digest (the AccessTokenService). */
export interface ScopedTokenLookup {
  findByDigest(digest: Buffer): { token_id: string; kernel_id: string } | null;
}

const NO_SCOPED_TOKENS: ScopedTokenLookup = { findByDigest: () => null };

/** The token of an `Authorization: Bearer …` header, whatever the scheme's case (RFC 9110 §11.1). */
export function bearerToken(header: string | undefined): string | null {
  const match = header === undefined ? null : /^bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match ? (match[1] as string) : null;
}

const RANK: Record<Role, number> = { viewer: 0, kernel: 1, operator: 2 };

export class AccessControl {
  private readonly operator: Buffer | null;
  private readonly kernel: Buffer | null;
  private readonly viewer: Buffer | null;

  constructor(
    private readonly config: AutonomicConfig["access"],
    private readonly scoped: ScopedTokenLookup = NO_SCOPED_TOKENS,
  ) {
    this.operator = config.operatorToken ? tokenDigest(config.operatorToken) : null;
    this.kernel = config.kernelToken ? tokenDigest(config.kernelToken) : null;
    this.viewer = config.viewerToken ? tokenDigest(config.viewerToken) : null;
  }

  /** Whether tokens are configured; without them every request is trusted (loopback only). */
  get enabled(): boolean {
    return this.kernel !== null || this.operator !== null || this.viewer !== null;
  }

  /** Who the request's bearer token speaks for, or null without a (valid) token. */
  principalOf(request: FastifyRequest): Principal | null {
    const token = bearerToken(request.headers.authorization);
    if (token === null) return null;
    const presented = tokenDigest(token);
    // Equal-length digests: timingSafeEqual never throws and leaks nothing of the secret.
    if (this.operator && timingSafeEqual(presented, this.operator)) return { role: "operator" };
    if (this.kernel && timingSafeEqual(presented, this.kernel))
      return this.config.kernelScoped ? null : { role: "kernel" };
    if (this.viewer && timingSafeEqual(presented, this.viewer)) return { role: "viewer" };
    // A map lookup by digest: a caller cannot steer a SHA-256 digest, so its timing reveals nothing.
    const scoped = this.scoped.findByDigest(presented);
    return scoped ? { role: "kernel", kernelId: scoped.kernel_id, tokenId: scoped.token_id } : null;
  }

  /** A key per principal for the rate limit: made-up tokens share their address's budget. */
  rateKey(request: FastifyRequest): string | null {
    const who = this.principalOf(request);
    if (who === null) return null;
    return who.tokenId ? `token:${who.role}:${who.tokenId}` : `token:${who.role}`;
  }

  /**
   * Throws 401/403 unless the request may act with `needed`; returns who it is (null
   * without tokens configured, when everyone is trusted).
   */
  require(request: FastifyRequest, needed: Role): Principal | null {
    if (!this.enabled) return null;
    const who = this.principalOf(request);
    if (who === null) throw this.unauthorized(request);
    if (RANK[who.role] < RANK[needed])
      throw new ForbiddenError(
        who.role === "viewer"
          ? "a viewer token may only read"
          : `this action needs an ${needed === "operator" ? "operator" : "kernel or operator"} token`,
      );
    return who;
  }

  /**
   * Throws 401/403 unless the request may act as a kernel for every id in `kernelIds`: the
   * shared kernel token and the operator for any, a kernel-scoped token for its own alone.
   */
  requireKernel(request: FastifyRequest, kernelIds: Iterable<string>): void {
    const who = this.require(request, "kernel");
    if (who?.kernelId === undefined) return;
    for (const id of kernelIds)
      if (id !== who.kernelId)
        throw new ForbiddenError(
          `this token may act for kernel ${who.kernelId} only, not ${id}`,
          "forbidden_kernel",
        );
  }

  private unauthorized(request: FastifyRequest): UnauthorizedError {
    const token = bearerToken(request.headers.authorization);
    if (
      token !== null &&
      this.kernel &&
      this.config.kernelScoped &&
      timingSafeEqual(tokenDigest(token), this.kernel)
    )
      return new UnauthorizedError(
        "the shared kernel token is turned off (access.kernelScoped): use a kernel-scoped token",
      );
    return new UnauthorizedError("a valid bearer token is required for this request");
  }
}
