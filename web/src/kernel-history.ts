/**
 * The chosen kernel's recent history, for its charts: snapshots (Φ, κ, drift), fatigue
 * reports, and its own drift thresholds when the monitor takes them from its reference.
 *
 * Polled, not pushed: the event stream carries state transitions, and no event fires per
 * snapshot or fatigue report (at thousands of reports a second an event each would swamp
 * every open page). Snapshots are read since the newest one held (see snapshot-window.ts);
 * fatigue rows are small, so their window is read whole, which also keeps it right across
 * restarts and retention sweeps.
 */
import { useEffect, useState } from "preact/hooks";
import { getJson } from "./api.js";
import { mergeNewest, sinceOf } from "./snapshot-window.js";
import type { DashboardConfig, FatigueHistory, KernelHealth, SnapshotRow } from "./wire-types.js";

type DriftMode = DashboardConfig["drift"]["mode"];

/** Points per chart: four hours of one report a minute. */
export const HISTORY_ROWS = 240;
/** How often the charts look for new snapshots. */
export const HISTORY_POLL_MS = 2000;

export interface KernelHistory {
  kernelId: string;
  snapshots: SnapshotRow[];
  fatigue: FatigueHistory | null;
  drift: KernelHealth["drift_thresholds"] | null;
  error: string | null;
}

interface Sources {
  /** The rest scheduler knows it: it has fatigue reports. */
  registered: boolean;
  /** The health monitor knows it: it has snapshots and health. */
  monitored: boolean;
}

/** The next state of the history: `held` is the snapshot window read so far (empty at first). */
async function readHistory(
  kernelId: string,
  held: readonly SnapshotRow[],
  sources: Sources,
  driftMode: DriftMode,
): Promise<KernelHistory> {
  const id = encodeURIComponent(kernelId);
  const since = sinceOf(held);
  const [snapshots, fatigue, health] = await Promise.all([
    getJson<{ snapshots: SnapshotRow[] }>(
      since === null
        ? `/api/self-healing/snapshots?kernel_id=${id}&limit=${HISTORY_ROWS}`
        : `/api/self-healing/snapshots?kernel_id=${id}&since=${since}&limit=1000`,
    ),
    sources.registered
      ? getJson<FatigueHistory>(`/api/dashboard/fatigue?kernel_id=${id}&limit=${HISTORY_ROWS}`)
      : Promise.resolve(null),
    // Only reference mode gives each kernel its own lines; fixed mode's are in the config.
    sources.monitored && driftMode === "reference"
      ? getJson<{ health: KernelHealth }>(`/api/self-healing/health?kernel_id=${id}`)
      : Promise.resolve(null),
  ]);
  return {
    kernelId,
    snapshots: mergeNewest(held, snapshots.snapshots, HISTORY_ROWS),
    fatigue,
    drift: health?.health.drift_thresholds ?? null,
    error: null,
  };
}

/** `driftMode` null until the config is read; polling starts then. */
export function useKernelHistory(
  kernelId: string | null,
  sources: Sources,
  driftMode: DriftMode | null,
): KernelHistory | null {
  const [history, setHistory] = useState<KernelHistory | null>(null);
  const { registered, monitored } = sources;

  useEffect(() => {
    if (kernelId === null || driftMode === null) return;
    // A read in flight when the kernel changes runs to its end and is dropped: aborting it
    // would only add a failed request to the browser's log.
    let cancelled = false;
    let timer: number | undefined;
    let held: readonly SnapshotRow[] = [];
    const poll = async () => {
      if (document.visibilityState === "visible") {
        try {
          const next = await readHistory(kernelId, held, { registered, monitored }, driftMode);
          held = next.snapshots;
          if (!cancelled) setHistory(next);
        } catch (err) {
          if (cancelled) return;
          const error = err instanceof Error ? err.message : String(err);
          setHistory((last) => (last && last.kernelId === kernelId ? { ...last, error } : null));
        }
      }
      if (!cancelled) timer = window.setTimeout(poll, HISTORY_POLL_MS);
    };
    void poll();
    return () => {
      cancelled = true;
      window.clearTimeout(timer);
    };
  }, [kernelId, registered, monitored, driftMode]);

  return history !== null && history.kernelId === kernelId ? history : null;
}
