/**
 * A live Heart or Ocean that will not sleep: it casts "no" on SLEEP through the cycle
 * service, as a live agent would through POST /api/rest/cycles/vote, and casts it again
 * halfway through the vote's lifetime so it never lapses back to its telemetry vote.
 */
import type { Voter } from "../core/cycles/cycle-types.js";
import type { CycleService } from "../services/cycle-service.js";

export class WithheldVote {
  private lastCastMs: number | null = null;

  constructor(
    readonly voter: Voter,
    private readonly cycles: Pick<CycleService, "castVote">,
    private readonly ttlSeconds: number,
  ) {}

  /** Casts the "no" when none stands or the standing one is half spent. */
  async renew(nowMs: number): Promise<void> {
    if (this.lastCastMs !== null && nowMs - this.lastCastMs < (this.ttlSeconds * 1000) / 2) return;
    await this.cycles.castVote(
      {
        voter: this.voter,
        cycle_type: "sleep",
        vote: false,
        reasoning: `${this.voter} withholds its vote: the simulation was asked to (withholdVote)`,
      },
      "simulator",
    );
    this.lastCastMs = nowMs;
  }
}
