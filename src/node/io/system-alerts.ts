/**
 * Alert hooks' I/O (issue 16): an HTTP POST with node's fetch, and a shell command with
 * child_process (the user's own configured command line: `/bin/sh -c` on Linux, `cmd.exe /c` on
 * Windows). Both bounded: a timeout aborts the request or kills the command, and at most 4 KiB of
 * a command's stderr is kept for the log.
 */
import { spawn } from 'node:child_process';

export interface AlertIo {
  /** POSTs `body` (JSON); resolves with the HTTP status, rejects when unreachable or timed out. */
  post(url: string, body: string, timeoutMs: number): Promise<number>;
  /** Runs `command` with extra environment variables and `stdin`; resolves with its exit. */
  run(command: string, env: Readonly<Record<string, string>>, stdin: string, timeoutMs: number):
    Promise<{ code: number | null; signal: string | null; stderr: string }>;
}

const stderrBytesMax = 4096;

export const systemAlertIo: AlertIo = {
  async post(url, body, timeoutMs) {
    const answer = await fetch(url, { method: 'POST', body, redirect: 'error',
      headers: { 'content-type': 'application/json', 'user-agent': 'pado-alert' },
      signal: AbortSignal.timeout(timeoutMs) });
    await answer.body?.cancel();
    return answer.status;
  },
  run(command, env, stdin, timeoutMs) {
    return new Promise((resolve, reject) => {
      const child = spawn(command, { shell: true, env: { ...process.env, ...env },
        stdio: ['pipe', 'ignore', 'pipe'], windowsHide: true });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        if (stderr.length < stderrBytesMax) stderr += chunk.toString('utf8').slice(0, stderrBytesMax - stderr.length);
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stderr });
      });
      child.stdin.on('error', () => undefined); // a command that does not read its stdin
      child.stdin.end(stdin);
    });
  },
};
