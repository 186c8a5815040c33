import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../electron/errors';
import { CommandRunner } from '../../electron/exec/runner';
import { loadHost } from '../../electron/host';

const runner = new CommandRunner(loadHost({ HOME: '/root' }, { commands: { nix: 'definitely-not-installed-nix' } }));

/** alive = exists and is not a zombie waiting for a reaper (containers may have no init to reap it) */
const isAlive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

describe('CommandRunner', () => {
  it('streams stdout and stderr line by line, in order per stream', async () => {
    const seen: string[] = [];
    await runner.run('sh', ['-c', 'echo one; echo two >&2; echo three'], { onLine: (s, l) => seen.push(`${s}:${l}`) });
    expect(seen.filter((l) => l.startsWith('stdout'))).toEqual(['stdout:one', 'stdout:three']);
    expect(seen).toContain('stderr:two');
  });

  it('passes arguments as argv, never through a shell', async () => {
    const { stdout } = await runner.run('printf', ['%s\n', '$(echo pwned); `id`']);
    expect(stdout).toBe('$(echo pwned); `id`');
  });

  it('says in words when a command is missing', async () => {
    await expect(runner.run('nix', ['--version'])).rejects.toMatchObject({ code: 'command-missing', message: expect.stringContaining('"nix" was not found') });
  });

  it('reports a non-zero exit with the tail of stderr', async () => {
    const err = (await runner.run('sh', ['-c', 'echo "error: bad thing" >&2; exit 3']).catch((e) => e)) as AppError;
    expect(err.code).toBe('command-failed');
    expect(err.message).toContain('exit code 3');
    expect(err.detail).toContain('error: bad thing');
  });

  it('cancel stops the whole process group, grandchildren included', async () => {
    const controller = new AbortController();
    let grandchild = 0;
    const run = runner.run('sh', ['-c', 'sleep 30 & echo $!; wait'], {
      signal: controller.signal,
      onLine: (s, l) => {
        if (s === 'stdout') {
          grandchild = Number(l);
          controller.abort();
        }
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'cancelled' });
    expect(grandchild).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 100));
    expect(isAlive(grandchild)).toBe(false);
  });

  it('times out with a clear message', async () => {
    await expect(runner.run('sleep', ['10'], { timeoutMs: 200 })).rejects.toMatchObject({ code: 'timeout', message: expect.stringContaining('took longer than') });
  });
});
