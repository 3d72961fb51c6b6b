import fs from 'node:fs';
import os from 'node:os';

export interface ResourceSample {
  /** Seconds since sampling began. */
  t: number;
  /** CPU of the server process, % of one core. */
  serverCpu: number;
  /** CPU of the server and its children (the embedded PostgreSQL), % of one core. */
  treeCpu: number;
  serverRssMb: number;
  treeRssMb: number;
}

export interface ResourceSummary {
  samples: ResourceSample[];
  serverCpuAvg: number;
  treeCpuAvg: number;
  serverRssMaxMb: number;
  treeRssMaxMb: number;
  /** CPU time the server process used from start to stop (user + system), in seconds. */
  serverCpuSeconds: number;
}

const TICKS = 100; // USER_HZ on Linux
const PAGE_MB = 4096 / 1024 / 1024;

interface ProcStat {
  ppid: number;
  ticks: number;
  rssMb: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // After "pid (comm) ": state ppid … utime(12) stime(13) … rss(22), counted from state = 0.
    return {
      ppid: Number(fields[1]),
      ticks: Number(fields[11]) + Number(fields[12]),
      rssMb: Number(fields[21]) * PAGE_MB,
    };
  } catch {
    return undefined;
  }
}

function tree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (!stat) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(Number(entry));
    children.set(stat.ppid, list);
  }
  const result = [root];
  for (let i = 0; i < result.length; i++) result.push(...(children.get(result[i]!) ?? []));
  return result;
}

/**
 * Samples CPU and RSS of a local server process (and its children) from /proc
 * every `intervalMs`; `stop()` returns the samples and their summary. Linux only;
 * elsewhere it returns no samples.
 */
export function sampleResources(pid: number | undefined, intervalMs = 500): { stop(): ResourceSummary } {
  const samples: ResourceSample[] = [];
  if (pid === undefined || os.platform() !== 'linux') {
    return {
      stop: () => ({
        samples,
        serverCpuAvg: 0,
        treeCpuAvg: 0,
        serverRssMaxMb: 0,
        treeRssMaxMb: 0,
        serverCpuSeconds: 0,
      }),
    };
  }
  const started = Date.now();
  const initial = new Map(tree(pid).map((p) => [p, readStat(p)?.ticks ?? 0]));
  let last = { at: Date.now(), server: initial.get(pid) ?? 0, tree: initial };
  const timer = setInterval(() => {
    const now = Date.now();
    const pids = tree(pid);
    const treeTicks = new Map<number, number>();
    let serverRss = 0;
    let treeRss = 0;
    let treeDelta = 0;
    for (const p of pids) {
      const stat = readStat(p);
      if (!stat) continue;
      treeTicks.set(p, stat.ticks);
      treeRss += stat.rssMb;
      if (p === pid) serverRss = stat.rssMb;
      treeDelta += stat.ticks - (last.tree.get(p) ?? stat.ticks); // a process new since the last sample counts from now
    }
    const serverTicks = treeTicks.get(pid) ?? last.server;
    const seconds = (now - last.at) / 1000;
    samples.push({
      t: Math.round((now - started) / 100) / 10,
      serverCpu: Math.round(((serverTicks - last.server) / TICKS / seconds) * 100),
      treeCpu: Math.round((treeDelta / TICKS / seconds) * 100),
      serverRssMb: Math.round(serverRss),
      treeRssMb: Math.round(treeRss),
    });
    last = { at: now, server: serverTicks, tree: treeTicks };
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      const avg = (pick: (s: ResourceSample) => number) =>
        samples.length ? Math.round(samples.reduce((sum, s) => sum + pick(s), 0) / samples.length) : 0;
      const ticks = readStat(pid)?.ticks ?? last.server;
      return {
        samples,
        serverCpuSeconds: (ticks - (initial.get(pid) ?? ticks)) / TICKS,
        serverCpuAvg: avg((s) => s.serverCpu),
        treeCpuAvg: avg((s) => s.treeCpu),
        serverRssMaxMb: Math.max(0, ...samples.map((s) => s.serverRssMb)),
        treeRssMaxMb: Math.max(0, ...samples.map((s) => s.treeRssMb)),
      };
    },
  };
}
