/**
 * How well the control plane sees the faults the simulator injects.
 *
 * - A fault is detected when the health monitor reports one of its signature issues
 *   for the kernel (a crash: when the kernel has been silent `silentAfterSeconds`).
 * - A degradation onset (a kernel's status going from healthy to warning or critical)
 *   is a false positive when nothing was really wrong: no fault active on the kernel,
 *   and a second monitor fed the same kernel's noise-free telemetry (the ground truth)
 *   stays healthy for `confirmSnapshots` reports after the onset. A tired kernel whose Φ
 *   truly sagged before its rest is a real degradation, not a false positive.
 */
import type { HealthMonitor } from "../core/health/monitor.js";
import { type FaultType, SIGNATURE } from "./faults.js";
import { round } from "./rest-accounting.js";

export interface FaultRecord {
  kernel: string;
  type: FaultType;
  /** Simulated seconds since the start. */
  at: number;
  detected_at: number | null;
  healed_at: number | null;
  strategy: string | null;
  outcome: string | null;
}

export interface DetectionFigures {
  faults_injected: number;
  faults_detected: number;
  detection_rate: number | null;
  median_seconds_to_detect: number | null;
  max_seconds_to_detect: number | null;
  degradation_onsets: number;
  false_positives: number;
  false_positive_rate: number | null;
}

interface PendingOnset {
  kernelId: string;
  reportsLeft: number;
}

export class FaultDetection {
  readonly records: FaultRecord[] = [];
  private readonly open: { record: FaultRecord; kernelId: string }[] = [];
  private pending: PendingOnset[] = [];
  private onsets = 0;
  private falsePositives = 0;

  constructor(
    private readonly monitor: HealthMonitor,
    private readonly truth: HealthMonitor,
    private readonly activeFaults: (kernelId: string) => readonly FaultType[],
    private readonly options: { silentAfterSeconds: number; confirmSnapshots: number },
  ) {}

  injected(kernelId: string, kernelName: string, type: FaultType, atSeconds: number): void {
    const record: FaultRecord = {
      kernel: kernelName,
      type,
      at: atSeconds,
      detected_at: null,
      healed_at: null,
      strategy: null,
      outcome: null,
    };
    this.records.push(record);
    this.open.push({ record, kernelId });
  }

  /** A kernel's status went from healthy to warning or critical. */
  onset(kernelId: string): void {
    this.onsets += 1;
    this.pending.push({ kernelId, reportsLeft: this.options.confirmSnapshots });
  }

  /** After each round of reports: detect open faults and settle pending onsets. */
  check(elapsedSeconds: number, nowSeconds: number): void {
    for (let i = this.open.length - 1; i >= 0; i--) {
      const { record, kernelId } = this.open[i] as { record: FaultRecord; kernelId: string };
      if (this.detects(record.type, kernelId, nowSeconds)) {
        record.detected_at = elapsedSeconds;
        this.open.splice(i, 1);
      }
    }
    this.pending = this.pending.filter((p) => {
      const real = this.activeFaults(p.kernelId).length > 0 || this.truthDegraded(p.kernelId);
      if (real) return false;
      p.reportsLeft -= 1;
      if (p.reportsLeft > 0) return true;
      this.falsePositives += 1;
      return false;
    });
  }

  figures(): DetectionFigures {
    const delays = this.records
      .filter((r) => r.detected_at !== null)
      .map((r) => (r.detected_at as number) - r.at)
      .sort((a, b) => a - b);
    const injected = this.records.length;
    return {
      faults_injected: injected,
      faults_detected: delays.length,
      detection_rate: injected > 0 ? round(delays.length / injected, 4) : null,
      median_seconds_to_detect:
        delays.length > 0 ? (delays[Math.floor((delays.length - 1) / 2)] ?? null) : null,
      max_seconds_to_detect: delays.at(-1) ?? null,
      degradation_onsets: this.onsets,
      false_positives: this.falsePositives,
      false_positive_rate: this.onsets > 0 ? round(this.falsePositives / this.onsets, 4) : null,
    };
  }

  private detects(type: FaultType, kernelId: string, nowSeconds: number): boolean {
    if (!this.monitor.has(kernelId)) return false;
    if (type === "crash") {
      const last = this.monitor.health(kernelId).last_timestamp;
      return last !== null && nowSeconds - last >= this.options.silentAfterSeconds;
    }
    const codes = SIGNATURE[type];
    return this.monitor.degradation(kernelId).findings.some((issue) => codes.includes(issue.rule));
  }

  private truthDegraded(kernelId: string): boolean {
    if (!this.truth.has(kernelId)) return false;
    const status = this.truth.degradation(kernelId).status;
    return status === "warning" || status === "critical";
  }
}
