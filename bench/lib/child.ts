import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './paths';

/**
 * Runs `node <args>` and waits for the one JSON line it writes on file descriptor 3 (the bench's
 * private channel: the function's own logs go to stdout, ignored). `answerMs` is the time from
 * just before spawn to the moment that line arrived.
 */
export interface ChildAnswer<T> {
  answerMs: number;
  result: T;
}

export function runChild<T>(
  args: readonly string[],
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<ChildAnswer<T>> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    // Lambda's runtime puts the AWS SDK on the module path (/var/runtime/node_modules), outside the
    // bundle: children get the repository's node_modules the same way, wherever their bundle lies.
    const childEnv = { NODE_PATH: join(ROOT, 'node_modules'), ...env };
    const child = spawn(process.execPath, args, {
      env: childEnv,
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    });
    let answer = '';
    let answerMs: number | undefined;
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`node ${args.join(' ')} did not answer within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.stdio[3]?.on('data', (chunk: Buffer) => {
      answer += chunk.toString();
      if (answerMs === undefined && answer.includes('\n')) answerMs = performance.now() - started;
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (answerMs === undefined) {
        reject(new Error(`node ${args.join(' ')} exited (${code}) without an answer\n${stderr}`));
        return;
      }
      try {
        resolve({ answerMs, result: JSON.parse(answer) as T });
      } catch (error) {
        reject(
          new Error(`unreadable answer from node ${args.join(' ')}: ${answer}\n${stderr}`, { cause: error }),
        );
      }
    });
  });
}
