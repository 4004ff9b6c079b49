/**
 * A machine's statistics as an agent samples them (once a second): the figures of now, and a
 * short rolling history of the main ones for sparklines.
 */

export interface CpuStats {
  /** Busy share of all cores, 0–100 (of the container's CPU limit when one is set). */
  percent: number;
  /** Busy share of each core, 0–100. */
  perCore: number[];
  /** Cores the agent may use: the container's CPU limit when one is set, else the machine's. */
  cores: number;
}

export interface MemoryStats {
  /** The machine's memory, or the container's limit when one is set. */
  totalMb: number;
  usedMb: number;
  availableMb: number;
  percent: number;
  /** Whether the figures are a container's (cgroup) limit and use rather than the machine's. */
  limited: boolean;
}

export interface DiskStats {
  /** The file system holding the agent's data folder. */
  path: string;
  totalGb: number;
  usedGb: number;
  freeGb: number;
  percent: number;
}

export interface NetworkStats {
  /** Bytes a second over every interface but loopback, since the previous sample. */
  rxBytesPerSecond: number;
  txBytesPerSecond: number;
}

export interface SystemSample {
  /** When it was taken (UTC ISO-8601). */
  at: string;
  hostname: string;
  platform: string;
  cpu: CpuStats;
  memory: MemoryStats;
  /** 1, 5 and 15-minute load averages (zeros where the OS has none). */
  load: [number, number, number];
  disk: DiskStats | null;
  network: NetworkStats;
  /** The machine's uptime. */
  uptimeSeconds: number;
  agent: { version: string; pid: number; uptimeSeconds: number; rssMb: number; cpuPercent: number };
}

/** The sparkline series: one point a sample, oldest first, aligned with `at`. */
export interface SystemHistory {
  /** Milliseconds since the epoch of each point. */
  at: number[];
  cpuPercent: number[];
  memoryPercent: number[];
  diskPercent: number[];
  rxBytesPerSecond: number[];
  txBytesPerSecond: number[];
}

/** `GET /api/v1/system`, and each `system` message of the stream (whose history is the new point only). */
export interface SystemStats extends SystemSample {
  history: SystemHistory;
}

/** The resources of a process and all its descendants. */
export interface ProcessTreeUsage {
  /** Busy share of one core, summed over the tree (so it can pass 100 on several cores). */
  cpuPercent: number;
  rssMb: number;
  /** Processes in the tree. */
  processes: number;
}
