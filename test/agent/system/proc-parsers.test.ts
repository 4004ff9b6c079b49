/** The /proc and cgroup v2 parsers: real kernel text gives exact figures; anything else gives null, never a throw. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  parseCgroupBytes,
  parseCpuMax,
  parseCpuStatUsage,
  parseLoadavg,
  parseMeminfo,
  parseNetDev,
  parsePidStat,
  parseProcStat,
  parseSelfCgroup,
  parseUptime,
} from '../../../agent/system/proc-parsers';

const PROC_STAT = `cpu  1375 20 1461 135815 160 5 68 7 3 0
cpu0 729 10 706 67952 30 2 28 3 3 0
cpu1 646 10 755 67863 130 3 40 4 0 0
intr 86545 0 0 0 0
ctxt 174165
btime 1764670000
processes 2500
procs_running 1
`;

const MEMINFO = `MemTotal:       24683548 kB
MemFree:        24515924 kB
MemAvailable:   24445252 kB
Buffers:            4096 kB
Cached:           102400 kB
SwapCached:            0 kB
HugePages_Total:       0
`;

const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:    3193      29    0    0    0     0          0         0     3193      29    0    0    0     0       0          0
  eth0: 9046541     355    0    0    0     0          0         0    24957     326    0    0    0     0       0          0
wlan0:12345678901 9 0 0 0 0 0 0 1000 3 0 0 0 0 0 0
`;

const PID_STAT = '2496 (cat) R 2491 2491 2136 0 -1 4194304 108 0 0 0 15 7 0 0 20 0 1 0 69527 3133440 380 18446744073709551615 94225982705664 0 0 0 0 0 17 1 0 0 0 0 0\n';

/** The same line with a hostile command name in place of "cat". */
const withComm = (comm: string) => PID_STAT.replace('(cat)', `(${comm})`);

const GARBAGE = ['', '\n', '   ', 'garbage', '\u0000\u0001\u0002', 'NaN NaN NaN', '-1 -2 -3', '1e3 2 3', '{"cpu": 1}'];

test('/proc/stat: busy and total jiffies of all CPUs and of each core', () => {
  const stat = parseProcStat(PROC_STAT);
  // total = user nice system idle iowait irq softirq steal (guest is inside user); idle = idle + iowait.
  assert.deepEqual(stat, {
    all: { busy: 1375 + 20 + 1461 + 5 + 68 + 7, total: 1375 + 20 + 1461 + 135815 + 160 + 5 + 68 + 7 },
    cores: [
      { busy: 729 + 10 + 706 + 2 + 28 + 3, total: 729 + 10 + 706 + 67952 + 30 + 2 + 28 + 3 },
      { busy: 646 + 10 + 755 + 3 + 40 + 4, total: 646 + 10 + 755 + 67863 + 130 + 3 + 40 + 4 },
    ],
  });
  // An old kernel's four counters only.
  assert.deepEqual(parseProcStat('cpu 10 0 10 80\ncpu0 10 0 10 80\n'), { all: { busy: 20, total: 100 }, cores: [{ busy: 20, total: 100 }] });
});

test('/proc/stat: a broken core line is dropped, a broken or missing aggregate line gives null', () => {
  assert.deepEqual(parseProcStat('cpu 10 0 10 80\ncpu0 10 x 10 80\ncpu1 1 0 1 8\n')?.cores, [{ busy: 2, total: 10 }]);
  assert.equal(parseProcStat('cpu 10 0 10\n'), null, 'truncated');
  assert.equal(parseProcStat('cpu0 10 0 10 80\n'), null);
  assert.equal(parseProcStat('cpu 10 -1 10 80\n'), null);
  for (const text of GARBAGE) assert.equal(parseProcStat(text), null, JSON.stringify(text));
});

test('/proc/meminfo: total and available kB; free + buffers + cached before MemAvailable existed', () => {
  assert.deepEqual(parseMeminfo(MEMINFO), { totalKb: 24683548, availableKb: 24445252 });
  const old = MEMINFO.replace(/^MemAvailable.*\n/m, '');
  assert.deepEqual(parseMeminfo(old), { totalKb: 24683548, availableKb: 24515924 + 4096 + 102400 });
  assert.deepEqual(parseMeminfo('MemTotal: 100 kB\nMemAvailable: 200 kB\n'), { totalKb: 100, availableKb: 100 }, 'available is capped at total');
  assert.equal(parseMeminfo('MemTotal: 100 kB\n'), null);
  assert.equal(parseMeminfo('MemTotal: lots kB\nMemAvailable: 5 kB\n'), null);
  assert.equal(parseMeminfo('MemTotal: 0 kB\nMemAvailable: 0 kB\n'), null);
  for (const text of GARBAGE) assert.equal(parseMeminfo(text), null, JSON.stringify(text));
});

test('/proc/loadavg and /proc/uptime', () => {
  assert.deepEqual(parseLoadavg('0.27 0.08 0.02 1/80 2496\n'), [0.27, 0.08, 0.02]);
  assert.deepEqual(parseLoadavg('12 3.5 0.00 1/80 2496'), [12, 3.5, 0]);
  assert.equal(parseLoadavg('0.27 0.08'), null);
  assert.equal(parseLoadavg('0.27 x 0.02 1/80 2496'), null);
  assert.equal(parseUptime('695.27 1358.16\n'), 695.27);
  assert.equal(parseUptime('695 1358'), 695);
  for (const text of GARBAGE) {
    assert.equal(parseLoadavg(text), null, JSON.stringify(text));
    assert.equal(parseUptime(text), null, JSON.stringify(text));
  }
});

test('/proc/net/dev: bytes summed over every interface but lo, a counter touching the colon included', () => {
  assert.deepEqual(parseNetDev(NET_DEV), { rxBytes: 9046541 + 12345678901, txBytes: 24957 + 1000 });
  const loOnly = NET_DEV.split('\n').slice(0, 3).join('\n');
  assert.deepEqual(parseNetDev(loOnly), { rxBytes: 0, txBytes: 0 }, 'a machine with loopback only has no traffic');
  assert.deepEqual(parseNetDev(`${NET_DEV}  eth1: 5 5\n`), parseNetDev(NET_DEV), 'a truncated line is skipped');
  assert.equal(parseNetDev(NET_DEV.split('\n').slice(0, 2).join('\n')), null, 'headers only');
  for (const text of GARBAGE) assert.equal(parseNetDev(text), null, JSON.stringify(text));
});

test('/proc/[pid]/stat: the fields the agent uses', () => {
  assert.deepEqual(parsePidStat(PID_STAT), {
    pid: 2496,
    comm: 'cat',
    state: 'R',
    ppid: 2491,
    pgrp: 2491,
    utime: 15,
    stime: 7,
    starttime: 69527,
    rssPages: 380,
  });
});

test('/proc/[pid]/stat: a command name with spaces and parentheses runs to the last ")"', () => {
  for (const comm of [') (', 'a) (b', 'x) R 1 1 1', '(', ')', '', 'web worker', 'a)b)c']) {
    const stat = parsePidStat(withComm(comm))!;
    assert.equal(stat.comm, comm);
    assert.equal(stat.ppid, 2491, comm);
    assert.equal(stat.utime, 15, comm);
    assert.equal(stat.rssPages, 380, comm);
  }
});

test('/proc/[pid]/stat: truncated, garbled or empty text gives null', () => {
  // Any cut before rss, the last field read (a cut inside a number cannot be told from a shorter number).
  for (let cut = 0; cut <= PID_STAT.indexOf(' 380 '); cut++) {
    assert.equal(parsePidStat(PID_STAT.slice(0, cut)), null, `cut at ${cut}`);
  }
  assert.equal(parsePidStat(PID_STAT.replace('2496 (', 'abc (')), null);
  assert.equal(parsePidStat(PID_STAT.replace(' 69527 ', ' soon ')), null);
  assert.equal(parsePidStat(PID_STAT.replace(') R ', ') RUN ')), null);
  assert.equal(parsePidStat('2496 cat R 2491 2491'), null);
  for (const text of GARBAGE) assert.equal(parsePidStat(text), null, JSON.stringify(text));
});

test('cgroup v2 cpu.max, memory.max, memory.current, cpu.stat', () => {
  assert.deepEqual(parseCpuMax('max 100000\n'), { quotaUs: null, periodUs: 100000 });
  assert.deepEqual(parseCpuMax('200000 100000\n'), { quotaUs: 200000, periodUs: 100000 });
  for (const text of ['max', '200000', '200000 0', '0 100000', 'max max', '1 2 3', '-5 100000']) assert.equal(parseCpuMax(text), null, text);
  assert.equal(parseCgroupBytes('max\n'), 'max');
  assert.equal(parseCgroupBytes('1073741824\n'), 1073741824);
  assert.equal(parseCgroupBytes('12 34'), null);
  assert.equal(parseCgroupBytes('-1'), null);
  assert.equal(parseCpuStatUsage('usage_usec 1750000\nuser_usec 1000000\nsystem_usec 750000\n'), 1750000);
  assert.equal(parseCpuStatUsage('user_usec 1000000\n'), null);
  assert.equal(parseCpuStatUsage('usage_usec\n'), null);
  for (const text of GARBAGE) {
    assert.equal(parseCpuMax(text), null, JSON.stringify(text));
    assert.equal(parseCgroupBytes(text), null, JSON.stringify(text));
    assert.equal(parseCpuStatUsage(text), null, JSON.stringify(text));
  }
});

test('/proc/self/cgroup: the v2 path, past any v1 lines', () => {
  assert.equal(parseSelfCgroup('0::/user.slice/user-1000.slice/session-2.scope\n'), '/user.slice/user-1000.slice/session-2.scope');
  assert.equal(parseSelfCgroup('9:name=systemd:/\n4:memory:/process_api/84\n0::/\n'), '/');
  assert.equal(parseSelfCgroup('4:memory:/process_api/84\n1:cpu:/\n'), null, 'cgroup v1 only');
  for (const text of GARBAGE) assert.equal(parseSelfCgroup(text), null, JSON.stringify(text));
});
