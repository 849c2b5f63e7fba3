/**
 * Kernel-scoped tokens (SPEC §6 "Access"): an operator mints one per kernel id, and it lets
 * its holder act for that kernel alone, as Kubernetes' NodeRestriction limits a kubelet to
 * its own node. The secret is returned once and stored only as its SHA-256 digest: a token is
 * 256 random bits, so a fast hash is as good as a slow one and keeps each request's check
 * cheap. Live tokens are held in memory by digest (requests are checked synchronously), and
 * every change is stored before it is applied and announced.
 *
 * @example
 * const tokens = await AccessTokenService.open({ store, clock, logger });
 * const { token, record } = await tokens.issue("apollo_1", "user:ada"); // give `token` to apollo_1
 * tokens.findByDigest(tokenDigest(token)); // { token_id, kernel_id: "apollo_1" }
 * await tokens.revoke(record.token_id, "user:ada"); // its next request is a 401
 */
import { createHash, randomBytes } from "node:crypto";
import type { Logger } from "pino";
import type { Clock } from "../core/clock.js";
import { AutonomicError, ConflictError } from "../core/errors.js";
import type { AccessTokenRecord, AccessTokenStore } from "../store/access-token-store-types.js";
import { EventBus } from "./event-bus.js";

/** A token as it is shown: everything but its digest. */
export type AccessTokenView = Omit<AccessTokenRecord, "token_hash">;

export type AccessTokenEvent =
  | { type: "access_token_issued"; at: number; token_id: string; kernel_id: string; actor: string }
  | { type: "access_token_revoked"; at: number; token_id: string; kernel_id: string; actor: string };

export class UnknownTokenError extends AutonomicError {
  readonly kind = "not_found";
  readonly code = "unknown_token";
  readonly field = "token_id";
  constructor(readonly tokenId: string) {
    super(`unknown token: ${tokenId}`);
    this.name = "UnknownTokenError";
  }
}

export interface AccessTokenServiceOptions {
  store: AccessTokenStore;
  clock: Clock;
  logger: Logger;
  /** Whether tokens are configured at all: without them a scoped token would limit nobody. */
  tokensConfigured: boolean;
}

/** The SHA-256 digest of a token: how tokens are compared and stored. */
export const tokenDigest = (token: string): Buffer => createHash("sha256").update(token).digest();

/** The prefix says what a leaked string is (and lets secret scanners find it). */
const SECRET_PREFIX = "akt_";

export class AccessTokenService {
  readonly events = new EventBus<AccessTokenEvent>();
  /** Live tokens by hex digest. */
  private readonly live = new Map<string, AccessTokenRecord>();

  private constructor(private readonly o: AccessTokenServiceOptions) {}

  static async open(o: AccessTokenServiceOptions): Promise<AccessTokenService> {
    const service = new AccessTokenService(o);
    for (const record of await o.store.listAccessTokens())
      if (record.revoked_at === null) service.live.set(record.token_hash, record);
    return service;
  }

  /** Mints a token for `kernelId`; the secret is in the answer and nowhere else. */
  async issue(kernelId: string, actor: string): Promise<{ token: string; record: AccessTokenView }> {
    if (!this.o.tokensConfigured)
      throw new ConflictError(
        "tokens_disabled",
        "tokens are off on this server, so a kernel-scoped token would limit nobody: configure AUTONOMIC_OPERATOR_TOKEN first",
      );
    const token = `${SECRET_PREFIX}${randomBytes(32).toString("base64url")}`;
    const record: AccessTokenRecord = {
      token_id: `tok_${randomBytes(8).toString("hex")}`,
      kernel_id: kernelId,
      token_hash: tokenDigest(token).toString("hex"),
      created_at: this.o.clock.now(),
      created_by: actor,
      revoked_at: null,
      revoked_by: null,
    };
    await this.o.store.saveAccessToken(record);
    this.live.set(record.token_hash, record);
    this.o.logger.info({ kernel_id: kernelId, token_id: record.token_id, actor }, "kernel token issued");
    this.events.publish({ type: "access_token_issued", at: record.created_at, ...idsOf(record), actor });
    return { token, record: view(record) };
  }

  /** Every token minted, revoked ones too, oldest first, without digests. */
  async list(): Promise<AccessTokenView[]> {
    return (await this.o.store.listAccessTokens()).map(view);
  }

  /** Revokes a token: its next request is a 401. Revoking it again changes nothing. */
  async revoke(tokenId: string, actor: string): Promise<AccessTokenView> {
    const at = this.o.clock.now();
    const record = await this.o.store.revokeAccessToken(tokenId, at, actor);
    if (record === null) throw new UnknownTokenError(tokenId);
    const wasLive = this.live.delete(record.token_hash);
    if (wasLive) {
      this.o.logger.info({ kernel_id: record.kernel_id, token_id: tokenId, actor }, "kernel token revoked");
      this.events.publish({ type: "access_token_revoked", at, ...idsOf(record), actor });
    }
    return view(record);
  }

  /** The live token with this SHA-256 digest, or null. */
  findByDigest(digest: Buffer): { token_id: string; kernel_id: string } | null {
    const record = this.live.get(digest.toString("hex"));
    return record ? idsOf(record) : null;
  }
}

function view({ token_hash: _hidden, ...rest }: AccessTokenRecord): AccessTokenView {
  return rest;
}

function idsOf(record: AccessTokenRecord) {
  return { token_id: record.token_id, kernel_id: record.kernel_id };
}
