/**
 * Who may write (SPEC §6 "Access"). Reads are open. With tokens configured, a write needs
 * a bearer token: a kernel token may register, report and answer actions; an operator
 * token may also force rests and run operator actions. A missing or unknown token is a
 * 401, a kernel token on an operator action a 403, both before any handler runs, so they
 * change nothing. Tokens are compared in constant time and never logged.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyRequest } from "fastify";
import { AutonomicError } from "../core/errors.js";

export type Role = "kernel" | "operator";

export class UnauthorizedError extends AutonomicError {
  readonly kind = "unauthorized";
  readonly code = "unauthorized";
}

export class ForbiddenError extends AutonomicError {
  readonly kind = "forbidden";
  readonly code = "forbidden";
}

export interface AccessTokens {
  kernelToken: string | null;
  operatorToken: string | null;
}

const digest = (token: string) => createHash("sha256").update(token).digest();

export class AccessControl {
  private readonly kernel: Buffer | null;
  private readonly operator: Buffer | null;

  constructor(tokens: AccessTokens) {
    this.kernel = tokens.kernelToken ? digest(tokens.kernelToken) : null;
    this.operator = tokens.operatorToken ? digest(tokens.operatorToken) : null;
  }

  get enabled(): boolean {
    return this.kernel !== null || this.operator !== null;
  }

  /** The role a request's bearer token grants, or null without a (valid) token. */
  roleOf(request: FastifyRequest): Role | null {
    const header = request.headers.authorization;
    if (!header?.startsWith("Bearer ")) return null;
    const presented = digest(header.slice(7).trim());
    // Hashing first gives equal lengths, so timingSafeEqual never throws or leaks length.
    if (this.operator && timingSafeEqual(presented, this.operator)) return "operator";
    if (this.kernel && timingSafeEqual(presented, this.kernel)) return "kernel";
    return null;
  }

  /** Throws 401/403 unless the request may act with `needed`. */
  require(request: FastifyRequest, needed: Role): void {
    if (!this.enabled) return;
    const role = this.roleOf(request);
    if (role === null) throw new UnauthorizedError("a valid bearer token is required for this request");
    if (needed === "operator" && role !== "operator")
      throw new ForbiddenError("this action needs an operator token");
  }
}
