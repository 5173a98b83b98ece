import { describe, expect, it } from 'vitest';
import { cpuSince, cpuTimes } from '../../src/metrics/cpu.js';

describe('cpuTimes', () => {
  it('counts work done on the main thread in both the process and the main-thread figures', () => {
    const start = cpuTimes();
    let x = 0;
    // Spin until the process has used 100 ms of CPU (however long a loaded machine takes).
    const giveUp = Date.now() + 20_000;
    while (cpuSince(start).processMs < 100 && Date.now() < giveUp) for (let i = 0; i < 1e5; i++) x += Math.sqrt(i);
    const used = cpuSince(start);
    expect(x).toBeGreaterThan(0);
    expect(used.processMs).toBeGreaterThanOrEqual(100);
    if (process.platform === 'linux') {
      // The spin allocates nothing, so nearly all of it is the main thread's (/proc counts 10 ms ticks).
      expect(used.mainThreadMs).toBeGreaterThanOrEqual(50);
      expect(used.mainThreadMs!).toBeLessThanOrEqual(used.processMs + 20);
    } else {
      expect(used.mainThreadMs).toBeNull();
    }
  });
});
