// Loaded with `node --import` into a process under test: records every child process it spawns and
// every socket it connects to TALLY_TRACE_FILE (outside the HOME under test), one line each.

import childProcess from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';

const file = process.env.TALLY_TRACE_FILE;
const note = (line) => {
  if (file) appendFileSync(file, `${line}\n`);
};
for (const name of ['spawn', 'fork', 'exec', 'execFile', 'spawnSync', 'execSync', 'execFileSync']) {
  const original = childProcess[name];
  childProcess[name] = function traced(...args) {
    note(`spawn ${name} ${String(args[0])}`);
    return original.apply(this, args);
  };
}
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function traced(...args) {
  const o = args[0];
  note(`connect ${typeof o === 'object' && o ? `${o.host ?? ''}:${o.port ?? o.path ?? ''}` : String(o)}`);
  return connect.apply(this, args);
};
syncBuiltinESMExports();
