// CPU time of this process: all threads (process.cpuUsage) and, on Linux,
// the main JavaScript thread alone (/proc/self/task/PID/stat). The
// difference is V8's helper threads (concurrent GC marking, optimizing
// compiler) and libuv's pool (zlib, fsync): on the stream they add ~60% to
// the main thread's time, which a main-thread profile never shows.

import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's utime and stime (USER_HZ: 100 on Linux builds in practice). */
const USER_HZ = 100;

export interface CpuTimes {
  /** All threads, user + system, ms. */
  processMs: number;
  /** The main thread alone, ms (null where /proc is not available). */
  mainThreadMs: number | null;
}

function mainThreadMs(): number | null {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at state: utime and stime are the 12th and 13th.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / USER_HZ;
  } catch {
    return null;
  }
}

export function cpuTimes(): CpuTimes {
  const u = process.cpuUsage();
  return { processMs: (u.user + u.system) / 1000, mainThreadMs: mainThreadMs() };
}

/** CPU spent since `start`. */
export function cpuSince(start: CpuTimes): CpuTimes {
  const now = cpuTimes();
  return {
    processMs: Math.round(now.processMs - start.processMs),
    mainThreadMs: now.mainThreadMs === null || start.mainThreadMs === null ? null : Math.round(now.mainThreadMs - start.mainThreadMs),
  };
}
