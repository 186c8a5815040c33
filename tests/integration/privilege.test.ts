import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPrivilegedRunner } from '../../electron/exec/privilege';
import { loadHost } from '../../electron/host';
import { tempDir } from '../helpers/app';

const pkexecStandIn = path.resolve(import.meta.dirname, '../fixtures/privilege/pkexec');

function directRunner(configDir: string) {
  return createPrivilegedRunner(loadHost({ ...process.env, NIXOS_COMPANION_HOST: '' }, { privilege: 'direct', nixosConfigDir: configDir }));
}

// The helper reads the host from NIXOS_COMPANION_HOST when it is not elevated, like the app does.
function hostFileFor(configDir: string) {
  const file = path.join(tempDir(), 'host.json');
  writeFileSync(file, JSON.stringify({ nixosConfigDir: configDir }));
  return file;
}

describe('root helper (real helper process, direct backend)', () => {
  it('refuses an unknown operation', async () => {
    const runner = directRunner(tempDir());
    await expect(runner.run('format-disk', {})).rejects.toMatchObject({ code: 'refused', message: expect.stringContaining('does not know the operation') });
  });

  it('refuses operation names that could be flags or paths before spawning anything', async () => {
    const runner = directRunner(tempDir());
    await expect(runner.run('--help', {})).rejects.toMatchObject({ code: 'refused' });
    await expect(runner.run('../../bin/sh', {})).rejects.toMatchObject({ code: 'refused' });
  });

  it('re-validates arguments: paths outside the config folder, extra keys and oversized content are refused', async () => {
    const dir = tempDir();
    process.env.NIXOS_COMPANION_HOST = hostFileFor(dir);
    try {
      const runner = directRunner(dir);
      for (const args of [
        { relativePath: '../etc/passwd.nix', content: 'x' },
        { relativePath: '/etc/nixos/configuration.nix', content: 'x' },
        { relativePath: 'configuration.nix', content: 'x', mode: 'setuid' },
        { relativePath: 'shadow', content: 'x' },
        { relativePath: 'configuration.nix', content: 'x'.repeat(1024 * 1024 + 1) },
      ]) {
        await expect(runner.run('write-config', args)).rejects.toMatchObject({ code: 'refused' });
      }
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      delete process.env.NIXOS_COMPANION_HOST;
    }
  });

  it('writes a config atomically and keeps a backup of the previous version', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'configuration.nix'), '{ }\n');
    process.env.NIXOS_COMPANION_HOST = hostFileFor(dir);
    try {
      const runner = directRunner(dir);
      const result = await runner.run<{ path: string; backup: string }>('write-config', { relativePath: 'configuration.nix', content: '{ services.openssh.enable = true; }\n' });
      expect(readFileSync(path.join(dir, 'configuration.nix'), 'utf8')).toContain('openssh');
      expect(readFileSync(result.backup, 'utf8')).toBe('{ }\n');
      expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    } finally {
      delete process.env.NIXOS_COMPANION_HOST;
    }
  });

  it('refuses to follow a symbolic link out of the config folder', async () => {
    const dir = tempDir();
    const outside = tempDir();
    symlinkSync(outside, path.join(dir, 'escape'));
    process.env.NIXOS_COMPANION_HOST = hostFileFor(dir);
    try {
      await expect(directRunner(dir).run('write-config', { relativePath: 'escape/evil.nix', content: 'x' })).rejects.toMatchObject({ code: 'refused' });
      expect(existsSync(path.join(outside, 'evil.nix'))).toBe(false);
    } finally {
      delete process.env.NIXOS_COMPANION_HOST;
    }
  });

  it('refuses a stale write when the file changed on disk since it was read', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'configuration.nix'), 'changed by someone else\n');
    process.env.NIXOS_COMPANION_HOST = hostFileFor(dir);
    try {
      await expect(directRunner(dir).run('write-config', { relativePath: 'configuration.nix', content: 'mine', expectedSha256: '0'.repeat(64) })).rejects.toMatchObject({ code: 'conflict' });
      expect(readFileSync(path.join(dir, 'configuration.nix'), 'utf8')).toBe('changed by someone else\n');
    } finally {
      delete process.env.NIXOS_COMPANION_HOST;
    }
  });
});

describe('pkexec backend (stand-in pkexec: no polkit agent can run here)', () => {
  const runnerWith = (outcome: string, configDir: string) => {
    process.env.FAKE_PKEXEC_OUTCOME = outcome;
    return createPrivilegedRunner(loadHost({ HOME: '/root' }, { privilege: 'pkexec', nixosConfigDir: configDir, commands: { pkexec: pkexecStandIn } }));
  };

  it('exit 126 means the person dismissed the prompt, and says so', async () => {
    await expect(runnerWith('dismiss', tempDir()).run('write-config', { relativePath: 'a.nix', content: '' })).rejects.toMatchObject({
      code: 'auth-cancelled',
      message: expect.stringContaining('cancelled the password prompt'),
    });
  });

  it('exit 127 means not authorized, and says so', async () => {
    await expect(runnerWith('deny', tempDir()).run('write-config', { relativePath: 'a.nix', content: '' })).rejects.toMatchObject({ code: 'not-authorized' });
  });

  it('under pkexec the helper ignores the caller’s host file and uses root’s own defaults', async () => {
    const decoy = tempDir();
    mkdirSync(path.join(decoy, 'x'), { recursive: true });
    process.env.NIXOS_COMPANION_HOST = hostFileFor(decoy);
    try {
      // With a cleared environment the helper falls back to /etc/nixos, which does not exist on this machine.
      const err = await runnerWith('allow', decoy).run('write-config', { relativePath: 'configuration.nix', content: 'x' }).catch((e) => e);
      expect(existsSync(path.join(decoy, 'configuration.nix'))).toBe(false);
      expect(err).toMatchObject({ code: existsSync('/etc/nixos') ? expect.any(String) : 'not-found' });
    } finally {
      delete process.env.NIXOS_COMPANION_HOST;
      delete process.env.FAKE_PKEXEC_OUTCOME;
    }
  });
});
