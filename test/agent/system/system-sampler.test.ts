/**
 * The system sampler: exact figures from a fake /proc and cgroup tree written into a temp folder,
 * and, on Linux, a real busy process tree measured through the real /proc.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { descendantsOf, processTable, SystemSampler } from '../../../agent/system/system-sampler';
import { alive } from '../../helpers/os';
import { sleep, waitFor } from '../../helpers/wait';

const temp = mkdtempSync(join(os.tmpdir(), 'algodeck-system-'));
after(() => rmSync(temp, { recursive: true, force: true }));
let folders = 0;

/** A folder holding `files` (relative path → text), written anew on each call with the same folder. */
function tree(files: Record<string, string>, root = join(temp, `tree-${++folders}`)): string {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const MiB_KB = 1024;
const meminfo = (totalKb: number, availableKb: number) => `MemTotal: ${totalKb} kB\nMemFree: 1 kB\nMemAvailable: ${availableKb} kB\n`;
const netDev = (rx: number, tx: number) =>
  `Inter-| Receive | Transmit\n face |bytes packets|bytes packets\n    lo: 999999 9 0 0 0 0 0 0 999999 9 0 0 0 0 0 0\n` +
  `  eth0: ${rx - 100} 1 0 0 0 0 0 0 ${tx - 50} 1 0 0 0 0 0 0\n  wlan0: 100 1 0 0 0 0 0 0 50 1 0 0 0 0 0 0\n`;

/** A machine of two cores: the aggregate line is the sum of the cores' lines. */
function procStat(core0: [busy: number, idle: number], core1: [busy: number, idle: number]): string {
  const line = (name: string, busy: number, idle: number) => `${name} ${busy} 0 0 ${idle} 0 0 0 0 0 0\n`;
  return line('cpu', core0[0] + core1[0], core0[1] + core1[1]) + line('cpu0', ...core0) + line('cpu1', ...core1) + 'intr 1 2 3\n';
}

function machine(options: { stat: string; meminfo?: string; net?: string; cgroup?: string }, root?: string): string {
  return tree(
    {
      stat: options.stat,
      meminfo: options.meminfo ?? meminfo(8192 * MiB_KB, 2048 * MiB_KB),
      loadavg: '1.50 0.75 0.25 2/120 4242\n',
      uptime: '3600.55 7000.00\n',
      'net/dev': options.net ?? netDev(1000, 2000),
      ...(options.cgroup === undefined ? {} : { 'self/cgroup': options.cgroup }),
    },
    root,
  );
}

function clock(start = Date.UTC(2026, 0, 5, 9, 15)) {
  const c = { ms: start, now: () => c.ms };
  return c;
}

test('two samples: CPU % from the jiffy deltas, network rates, memory, load and uptime from the fake /proc', () => {
  const time = clock();
  const proc = machine({ stat: procStat([100, 400], [100, 400]) });
  const sampler = new SystemSampler({ procRoot: proc, cgroupRoot: join(temp, 'no-cgroup'), diskPath: temp, version: '1.2.3', now: time.now });

  const first = sampler.sample();
  assert.equal(first.at, '2026-01-05T09:15:00.000Z');
  assert.deepEqual(first.cpu, { percent: 20, perCore: [20, 20], cores: 2 }, 'the first sample: since boot');
  assert.deepEqual(first.network, { rxBytesPerSecond: 0, txBytesPerSecond: 0 });
  assert.deepEqual(first.memory, { totalMb: 8192, usedMb: 6144, availableMb: 2048, percent: 75, limited: false });
  assert.deepEqual(first.load, [1.5, 0.75, 0.25]);
  assert.equal(first.uptimeSeconds, 3600.55);
  assert.equal(first.hostname, os.hostname());
  assert.equal(first.platform, os.platform());
  assert.equal(first.agent.version, '1.2.3');
  assert.equal(first.agent.pid, process.pid);
  assert.ok(first.agent.rssMb > 10 && first.agent.uptimeSeconds > 0 && first.agent.cpuPercent >= 0);

  time.ms += 2000;
  // core0: 50 busy of 100 jiffies; core1: 25 of 100; all: 75 of 200. eth0: +5000 B in, +1000 B out.
  machine({ stat: procStat([150, 450], [125, 475]), net: netDev(6000, 3000), meminfo: meminfo(8192 * MiB_KB, 6144 * MiB_KB) }, proc);
  const second = sampler.sample();
  assert.deepEqual(second.cpu, { percent: 37.5, perCore: [50, 25], cores: 2 });
  assert.deepEqual(second.network, { rxBytesPerSecond: 2500, txBytesPerSecond: 500 });
  assert.deepEqual(second.memory, { totalMb: 8192, usedMb: 2048, availableMb: 6144, percent: 25, limited: false });

  // Counters that went backwards (an interface gone, a garbled read) read as 0, never negative.
  time.ms += 1000;
  machine({ stat: procStat([150, 450], [125, 475]), net: netDev(500, 3000) }, proc);
  const third = sampler.sample();
  assert.deepEqual(third.network, { rxBytesPerSecond: 0, txBytesPerSecond: 0 });
  assert.deepEqual(third.cpu, { percent: 0, perCore: [0, 0], cores: 2 });
});

test('the disk of the data folder, and null for a path that does not exist', () => {
  const proc = machine({ stat: procStat([1, 9], [1, 9]) });
  const { disk } = new SystemSampler({ procRoot: proc, diskPath: temp, version: 'x' }).sample();
  assert.ok(disk !== null);
  assert.equal(disk.path, temp);
  assert.ok(disk.totalGb > 0 && disk.freeGb >= 0 && disk.usedGb >= 0 && disk.freeGb <= disk.totalGb);
  assert.ok(disk.percent >= 0 && disk.percent <= 100);
  assert.equal(new SystemSampler({ procRoot: proc, diskPath: join(temp, 'nowhere'), version: 'x' }).sample().disk, null);
});

test("a cgroup v2 container's CPU quota and memory limit, found along the agent's cgroup and its ancestors", () => {
  const time = clock();
  const proc = machine({ stat: procStat([100, 400], [100, 400]), cgroup: '9:name=systemd:/\n0::/algo.slice/agent.scope\n' });
  const cgroups = tree({
    'memory.max': 'max\n',
    'algo.slice/memory.max': `${1024 * 1024 * 1024}\n`,
    'algo.slice/memory.current': `${256 * 1024 * 1024}\n`,
    'algo.slice/cpu.max': 'max 100000\n',
    'algo.slice/agent.scope/memory.max': 'max\n',
    'algo.slice/agent.scope/memory.current': '1000\n',
    'algo.slice/agent.scope/cpu.max': '150000 100000\n',
    'algo.slice/agent.scope/cpu.stat': 'usage_usec 1000000\nuser_usec 600000\nsystem_usec 400000\n',
  });
  const sampler = new SystemSampler({ procRoot: proc, cgroupRoot: cgroups, diskPath: temp, version: 'x', now: time.now });
  const first = sampler.sample();
  assert.deepEqual(first.cpu, { percent: 0, perCore: [20, 20], cores: 1.5 }, "the container's CPU needs two samples");
  assert.deepEqual(first.memory, { totalMb: 1024, usedMb: 256, availableMb: 768, percent: 25, limited: true });

  time.ms += 1000;
  // 0.75 s of CPU in 1 s, of the 1.5 cores the quota allows.
  tree({ 'algo.slice/agent.scope/cpu.stat': 'usage_usec 1750000\n' }, cgroups);
  assert.deepEqual(sampler.sample().cpu, { percent: 50, perCore: [0, 0], cores: 1.5 }, 'the machine itself did nothing meanwhile');

  // The limits are read each time: lifted, the machine's figures come back.
  tree({ 'algo.slice/memory.max': 'max\n', 'algo.slice/agent.scope/cpu.max': 'max 100000\n' }, cgroups);
  time.ms += 1000;
  const lifted = sampler.sample();
  assert.equal(lifted.cpu.cores, 2);
  assert.equal(lifted.memory.limited, false);
  assert.equal(lifted.memory.totalMb, 8192);
});

test('without a cgroup path the cgroup root itself is read; a limit above the machine or above its cores is no limit', () => {
  const proc = machine({ stat: procStat([1, 9], [1, 9]) });
  const generous = tree({ 'memory.max': `${64 * 1024 ** 3}\n`, 'memory.current': '1000\n', 'cpu.max': '800000 100000\n' });
  const sample = new SystemSampler({ procRoot: proc, cgroupRoot: generous, diskPath: temp, version: 'x' }).sample();
  assert.equal(sample.memory.limited, false);
  assert.equal(sample.memory.totalMb, 8192);
  assert.equal(sample.cpu.cores, 2, 'eight cores of quota on a two-core machine');

  const tight = tree({ 'memory.max': `${512 * 1024 * 1024}\n`, 'memory.current': `${128 * 1024 * 1024}\n`, 'cpu.max': '50000 100000\n' });
  const limited = new SystemSampler({ procRoot: proc, cgroupRoot: tight, diskPath: temp, version: 'x' }).sample();
  assert.deepEqual(limited.memory, { totalMb: 512, usedMb: 128, availableMb: 384, percent: 25, limited: true });
  assert.equal(limited.cpu.cores, 0.5);

  // A cgroup path that leads out of the cgroup root, or to no folder, falls back to the root.
  for (const path of ['/../../etc', '/not/there']) {
    const escaping = machine({ stat: procStat([1, 9], [1, 9]), cgroup: `0::${path}\n` });
    assert.equal(new SystemSampler({ procRoot: escaping, cgroupRoot: tight, diskPath: temp, version: 'x' }).sample().memory.totalMb, 512, path);
  }
});

test('without /proc/stat (not Linux) the figures come from node:os', () => {
  const sampler = new SystemSampler({ procRoot: join(temp, 'no-proc'), cgroupRoot: join(temp, 'no-cgroup'), diskPath: temp, version: 'x' });
  const sample = sampler.sample();
  assert.equal(sample.cpu.cores, os.cpus().length);
  assert.equal(sample.cpu.perCore.length, os.cpus().length);
  assert.ok(sample.cpu.percent >= 0 && sample.cpu.percent <= 100);
  assert.equal(sample.memory.totalMb, Math.round((os.totalmem() / 1024 ** 2) * 100) / 100);
  assert.equal(sample.memory.limited, false);
  assert.equal(sample.load.length, 3);
  assert.ok(sample.uptimeSeconds > 0);
  assert.deepEqual(sampler.sample().network, { rxBytesPerSecond: 0, txBytesPerSecond: 0 });
  assert.deepEqual(sampler.processTrees([{ pid: process.pid }]).get(process.pid), { cpuPercent: 0, rssMb: 0, processes: 0 });
});

/** /proc/[pid]/stat text; times in ticks, rss in pages. */
function pidStat(pid: number, ppid: number, pgrp: number, ticks: number, rssPages: number, starttime = 1000, comm = 'node'): string {
  return `${pid} (${comm}) S ${ppid} ${pgrp} ${pgrp} 0 -1 4194560 100 0 0 0 ${ticks} 0 0 0 20 0 1 0 ${starttime} 1000000 ${rssPages} 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n`;
}

const processes = (entries: Record<number, string>) => Object.fromEntries(Object.entries(entries).map(([pid, text]) => [`${pid}/stat`, text]));

test('process trees: the root, its descendants and its process group (orphans too); CPU % from the tick deltas', () => {
  const time = clock();
  const PAGES_1MB = 256;
  const proc = tree({
    ...processes({
      1: pidStat(1, 0, 1, 5000, 2000, 1, 'init'),
      100: pidStat(100, 1, 100, 900, 9000, 10, 'agent'),
      200: pidStat(200, 100, 200, 100, PAGES_1MB, 2000, 'algo) (one'),
      201: pidStat(201, 200, 200, 50, PAGES_1MB),
      202: pidStat(202, 201, 200, 10, PAGES_1MB),
      210: pidStat(210, 1, 200, 20, PAGES_1MB), // an orphan of the group, reparented to init
      211: pidStat(211, 210, 211, 5, PAGES_1MB), // its child in a session of its own
      300: pidStat(300, 100, 300, 7, 2 * PAGES_1MB),
      301: pidStat(301, 300, 300, 3, 2 * PAGES_1MB),
      400: pidStat(400, 1, 400, 1, 1),
      999: 'garbage',
    }),
    'self/cgroup': '0::/\n',
    '500/status': 'a process that ended between readdir and read has no stat\n',
  });
  const sampler = new SystemSampler({ procRoot: proc, diskPath: temp, version: 'x', now: time.now });
  const first = sampler.processTrees([{ pid: 200, pgid: 200 }, { pid: 300 }, { pid: 12345, pgid: 12345 }]);
  assert.deepEqual([...first.keys()], [200, 300, 12345]);
  assert.deepEqual(first.get(200), { cpuPercent: 0, rssMb: 5, processes: 5 }, 'the first call has no CPU figure yet');
  assert.deepEqual(first.get(300), { cpuPercent: 0, rssMb: 4, processes: 2 });
  assert.deepEqual(first.get(12345), { cpuPercent: 0, rssMb: 0, processes: 0 }, 'a root that is gone');

  time.ms += 2000;
  rmSync(join(proc, '202'), { recursive: true }); // ended: its last ticks are lost, not subtracted
  tree(
    processes({
      200: pidStat(200, 100, 200, 130, PAGES_1MB, 2000, 'algo) (one'), // +30
      201: pidStat(201, 200, 200, 70, PAGES_1MB), // +20
      203: pidStat(203, 201, 200, 30, 2 * PAGES_1MB, 3000), // new: all of its 30 count
      210: pidStat(210, 1, 200, 30, PAGES_1MB), // +10
      211: pidStat(211, 210, 211, 15, PAGES_1MB), // +10
      300: pidStat(300, 100, 300, 107, 2 * PAGES_1MB), // +100
    }),
    proc,
  );
  const second = sampler.processTrees([{ pid: 200, pgid: 200 }]);
  // 100 ticks = 1 s of CPU in 2 s.
  assert.deepEqual(second.get(200), { cpuPercent: 50, rssMb: 6, processes: 5 });
  assert.equal(second.has(300), false);
  // 300 was not asked for last time: its state was forgotten, so this is a first call again.
  time.ms += 1000;
  assert.equal(sampler.processTrees([{ pid: 300 }]).get(300)?.cpuPercent, 0);

  // A pid reused by a new process (another start time) counts from that process's start.
  time.ms += 1000;
  tree(processes({ 300: pidStat(300, 100, 300, 40, 2 * PAGES_1MB, 5000) }), proc);
  assert.equal(sampler.processTrees([{ pid: 300 }]).get(300)?.cpuPercent, 40);

  const table = processTable(proc);
  assert.deepEqual(
    table.find((p) => p.pid === 200),
    { pid: 200, ppid: 100, pgid: 200, starttime: 2000 },
  );
  assert.deepEqual(descendantsOf(table, 200).sort(), [201, 203]);
  assert.deepEqual(descendantsOf(table, 100).sort(), [200, 201, 203, 300, 301]);
  assert.deepEqual(descendantsOf(table, 203), []);
});

test("a process group that holds the agent is not counted, and a ppid loop does not hang", () => {
  const proc = tree(
    processes({
      [process.pid]: pidStat(process.pid, 1, 700, 1, 1),
      700: pidStat(700, 1, 700, 1, 1),
      701: pidStat(701, 700, 701, 1, 1),
      800: pidStat(800, 801, 800, 1, 1),
      801: pidStat(801, 800, 800, 1, 1),
    }),
  );
  const sampler = new SystemSampler({ procRoot: proc, diskPath: temp, version: 'x' });
  const usage = sampler.processTrees([{ pid: 701, pgid: 700 }, { pid: 800 }]);
  assert.equal(usage.get(701)?.processes, 1, "the agent's own group is left out");
  assert.equal(usage.get(800)?.processes, 2);
  assert.deepEqual(descendantsOf(processTable(proc), 800), [801]);
});

test('the real /proc: a busy process tree is found whole and its CPU rises', { skip: process.platform !== 'linux' }, async () => {
  // A parent that idles, with a busy-looping child; in a process group of its own, killed whole.
  const parentCode = `
    const { spawn } = require('node:child_process');
    const child = spawn(process.execPath, ['-e', 'const s = Date.now(); while (Date.now() - s < 20000) {}'], { stdio: 'ignore' });
    process.stdout.write(child.pid + '\\n');
    setInterval(() => {}, 1000);`;
  const parent = spawn(process.execPath, ['-e', parentCode], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  let childPid = 0;
  try {
    let out = '';
    parent.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    childPid = await waitFor('the busy child', () => Number(/^(\d+)\n/.exec(out)?.[1] ?? 0) || undefined, 15_000);
    const pid = parent.pid!;
    const sampler = new SystemSampler({ diskPath: temp, version: 'x' });

    const system = sampler.sample();
    assert.ok(system.cpu.cores >= 0.01 && system.cpu.perCore.length >= 1 && system.memory.totalMb > 0);
    assert.ok(system.cpu.percent >= 0 && system.cpu.percent <= 100);
    assert.ok(descendantsOf(processTable(), pid).includes(childPid));

    const root = [{ pid, pgid: pid }];
    const first = sampler.processTrees(root).get(pid)!;
    assert.ok(first.processes >= 2, `processes: ${first.processes}`);
    assert.ok(first.rssMb > 0);
    // One core's worth of busy loop reads near 100; a loaded machine still gives it well over 30 within a few tries.
    let best = 0;
    for (let i = 0; i < 5 && best <= 30; i++) {
      await sleep(1000);
      const usage = sampler.processTrees(root).get(pid)!;
      assert.ok(usage.processes >= 2 && usage.rssMb > 0);
      best = Math.max(best, usage.cpuPercent);
    }
    assert.ok(best > 30, `the busy tree's CPU: ${best}%`);
  } finally {
    try {
      process.kill(-parent.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
    if (childPid > 0 && alive(childPid)) process.kill(childPid, 'SIGKILL');
    parent.stdout.destroy();
  }
});
