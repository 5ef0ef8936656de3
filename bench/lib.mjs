import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Writes a result file under bench/results and prints it. */
export function report(name, result) {
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const out = { name, at: new Date().toISOString(), node: process.version, ...result };
  writeFileSync(join(ROOT, 'bench/results', `${name}.json`), `${JSON.stringify(out, null, 2)}\n`);
  console.log(JSON.stringify(out, null, 2));
  return out;
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

let lastId = 0;
const withNewIds = (body) => body.replaceAll('[<id>]', () => `id-${++lastId}`);

/** A setupRequest that gives each request the next of `variants` (its body and headers). */
const inTurn = (variants) => {
  let next = 0;
  return (req) => {
    const v = variants[next++ % variants.length];
    return { ...req, body: v.body, headers: v.headers }; // autocannon sets Content-Length
  };
};

/** Loads go to this machine only. */
const localOnly = (url) => {
  if (!/^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(url))
    throw new Error('benchmarks only target 127.0.0.1');
};

/** Runs autocannon against 127.0.0.1 only, for a bounded time. */
export function load({
  url,
  body,
  connections = 32,
  duration = 8,
  rate,
  headers = { 'content-type': 'application/json' },
  // Each `[<id>]` in the body becomes a new id on every request.
  newIds = false,
  // Requests ({body, headers}) to send in turn instead of `body` and `headers` every time.
  variants,
}) {
  localOnly(url);
  return new Promise((resolve, reject) => {
    const fixed = rate ? { overallRate: rate } : {};
    autocannon(
      {
        url,
        method: 'POST',
        body,
        headers,
        connections,
        duration,
        pipelining: 1,
        ...fixed,
        // autocannon's own idReplacement counts every id as 27 characters in Content-Length
        ...(newIds ? { requests: [{ setupRequest: (req) => ({ ...req, body: withNewIds(body) }) }] } : {}),
        ...(variants ? { requests: [{ setupRequest: inTurn(variants) }] } : {}),
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
  });
}

/**
 * wrk (C, one thread), where the machine has it (Debian's package `wrk`). On a 2-core machine the
 * load tool shares the cores with the server it measures: autocannon (Node) takes 14-18 µs of CPU
 * a request, about what the bare server itself takes, wrk a fraction of that. A server with threads
 * of its own (Tally's durable writes, DuckDB's loads) is then measured against the load tool's CPU
 * as much as against the reference.
 */
export const WRK = ['/usr/bin/wrk', '/usr/local/bin/wrk'].find((p) => existsSync(p)) ?? null;

const LATENCY_UNITS = { us: 0.001, ms: 1, s: 1000 };

/**
 * The same POST of `body` (with `headers`) over `connections` for `duration` seconds with wrk; the
 * result has the fields of autocannon's that the benches read (requests.average/total, 2xx, non2xx,
 * latency.p99).
 */
export function wrkLoad({
  url,
  body,
  connections = 32,
  duration = 8,
  headers = { 'content-type': 'application/json' },
}) {
  localOnly(url);
  if (!WRK) throw new Error('wrk is not installed');
  if (body.includes(']==]')) throw new Error('body would end the Lua string');
  const dir = mkdtempSync(join(tmpdir(), 'tally-wrk-'));
  const script = join(dir, 'post.lua');
  const headerLines = Object.entries(headers).map(
    ([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}\n`,
  );
  writeFileSync(script, `wrk.method = "POST"\nwrk.body = [==[${body}]==]\n${headerLines.join('')}`);
  const args = ['-t1', `-c${connections}`, `-d${duration}s`, '--latency', '-s', script, url];
  return new Promise((resolve, reject) => {
    const child = spawn(WRK, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.once('exit', (code) => {
      rmSync(dir, { recursive: true, force: true });
      const total = Number(/(\d+) requests in/.exec(out)?.[1]);
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
      const p99 = /\s99%\s+([\d.]+)(us|ms|s)\b/.exec(out);
      if (code !== 0 || !Number.isFinite(total) || !Number.isFinite(rps) || !p99)
        return reject(new Error(`wrk failed (${code}): ${out}`));
      const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
      resolve({
        requests: { average: rps, total },
        '2xx': total - non2xx,
        non2xx,
        latency: { p99: Number(p99[1]) * LATENCY_UNITS[p99[2]] },
      });
    });
  });
}

/** Starts a node process that prints "listening <url>" and resolves with it. */
export function startProcess(args, env = {}) {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      const m = /(?:listening|running at) (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1] });
    });
    child.once('exit', (code) => reject(new Error(`process exited ${code}: ${out}`)));
  });
}

/**
 * Stops a process started by `startProcess` and waits until it has exited: a server that stops
 * gracefully still writes to its data folder (a last load), which must not be removed under it.
 */
export function stopProcess(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill();
  return exited;
}

/** The fields of a /proc stat file after the process name (field 3 onwards); null off Linux. */
function statFields(file) {
  try {
    const stat = readFileSync(file, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** Clock ticks (USER_HZ = 100) to ms. */
const ticksMs = (a, b) => ((Number(a) + Number(b)) * 1000) / 100;

/** CPU time (user + system, all threads) a process has used so far, in ms; null off Linux. */
export function cpuMs(pid) {
  const f = statFields(`/proc/${pid}/stat`);
  return f ? ticksMs(f[11], f[12]) : null; // utime, stime
}

/** CPU time of a process's main thread alone (a Node server's request thread), in ms; null off Linux. */
export function mainThreadCpuMs(pid) {
  const f = statFields(`/proc/${pid}/task/${pid}/stat`);
  return f ? ticksMs(f[11], f[12]) : null;
}

/**
 * CPU time (user + system) of the children this process has waited for, in ms (10 ms steps); null
 * off Linux. A child's own detached children are not among them.
 */
export function childrenCpuMs() {
  const f = statFields('/proc/self/stat');
  return f ? ticksMs(f[13], f[14]) : null; // cutime, cstime
}

/**
 * The machine's CPU time so far, all cores, in ms: `idle` (idle and waiting for I/O) and `busy`
 * (everything else); null off Linux. Two readings give the share of the machine a load left idle.
 */
export function machineCpuMs() {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal
    return { busy: ticksMs(f[0] + f[1] + f[2], f[5] + f[6] + f[7]), idle: ticksMs(f[3], f[4]) };
  } catch {
    return null;
  }
}

/** The share of the machine's CPU time left idle between two `machineCpuMs` readings; null off Linux. */
export function idleShare(before, after) {
  if (!before || !after) return null;
  const idle = after.idle - before.idle;
  const total = idle + after.busy - before.busy;
  return total > 0 ? Math.round((idle / total) * 1000) / 1000 : null;
}

/** The most memory a process has held so far (VmHWM), in MB; null off Linux. */
export function peakRssMb(pid) {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Math.round(Number(kb) / 1024) : null;
  } catch {
    return null;
  }
}
