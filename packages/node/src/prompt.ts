import { detectCi } from './system.js';

/**
 * Asks a yes/no question on the terminal. Only when both stdin and stderr are TTYs and not in CI;
 * anything but "y"/"yes" is No, and so is silence after `timeoutMs`. Never blocks a script or a CI job.
 */
export function askYesNo(
  question: string,
  timeoutMs: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<boolean | null> {
  if (!process.stdin.isTTY || !process.stderr.isTTY || detectCi(env).ci) return Promise.resolve(null);
  return new Promise((resolve) => {
    const stdin = process.stdin;
    let answer = '';
    const done = (value: boolean) => {
      clearTimeout(timer);
      stdin.off('data', onData);
      stdin.pause();
      process.stderr.write(value ? '' : '\n');
      resolve(value);
    };
    const onData = (chunk: Buffer) => {
      answer += chunk.toString('utf8');
      if (answer.includes('\n') || answer.includes('\r')) done(/^\s*y(es)?\s*$/i.test(answer.trim()));
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    process.stderr.write(`${question} [y/N] `);
    stdin.resume();
    stdin.on('data', onData);
  });
}
