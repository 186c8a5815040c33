import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPrivilegedRunner } from '../../electron/exec/privilege';
import { HELPER_EXIT, MAX_CONFIG_CHARS, encodeArgs } from '../../electron/helper/protocol';
import { loadHost } from '../../electron/host';
import { builtHelperPath } from '../../electron/paths';
import { tempDir } from '../helpers/app';

const pkexecStandIn = path.resolve(import.meta.dirname, '../fixtures/privilege/pkexec');
const policyDir = path.resolve(import.meta.dirname, '../../build/polkit');
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const lockFile = (configDir: string) => path.join(configDir, '.nixos-companion-backups/.write.lock');

/** The real helper started by hand, as pkexec would start it: `helper <class> <operation> -`, arguments on stdin. */
function runHelper(argv: string[], args: unknown, env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(process.execPath, [helperCopy, ...argv], { input: `${encodeArgs(args)}\n`, encoding: 'utf8', env });
  const events = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; error?: { code: string; message: string }; value?: unknown });
  return { status: r.status, error: events.find((e) => e.type === 'error')?.error, result: events.find((e) => e.type === 'result')?.value };
}

/** A pid that is certainly not running: a process that has already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

// The real built helper, copied once: other test runs on this machine rebuild dist/ while these tests run.
const helperCopy = path.join(tempDir('nc-helper-'), 'helper.mjs');
copyFileSync(builtHelperPath(), helperCopy);
const helperCommand = [process.execPath, helperCopy];

function directRunner(configDir: string) {
  return createPrivilegedRunner(loadHost({ ...process.env, NIXOS_COMPANION_HOST: '' }, { privilege: 'direct', nixosConfigDir: configDir, helperCommand }));
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
    await expect(runner.run('format-disk' as never, {} as never)).rejects.toMatchObject({ code: 'refused', message: expect.stringContaining('does not know the operation') });
  });

  it('refuses operation names that could be flags or paths before spawning anything', async () => {
    const runner = directRunner(tempDir());
    await expect(runner.run('--help' as never, {} as never)).rejects.toMatchObject({ code: 'refused' });
    await expect(runner.run('../../bin/sh' as never, {} as never)).rejects.toMatchObject({ code: 'refused' });
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
      const result = await runner.run('write-config', { relativePath: 'configuration.nix', content: '{ services.openssh.enable = true; }\n' });
      expect(readFileSync(path.join(dir, 'configuration.nix'), 'utf8')).toContain('openssh');
      expect(readFileSync(result.backup!, 'utf8')).toBe('{ }\n');
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

describe('a helper that crashes', () => {
  it('gives the page the error in words, never its stack trace', async () => {
    const dir = tempDir('nc-crash-');
    const crashing = path.join(dir, 'crash.cjs');
    writeFileSync(crashing, "function deep() { throw new Error('the disk vanished'); }\ndeep();\n");
    const runner = createPrivilegedRunner(loadHost({ ...process.env, NIXOS_COMPANION_HOST: '' }, { privilege: 'direct', nixosConfigDir: dir, helperCommand: [process.execPath, crashing] }));
    const err = (await runner.run('gc', {}).catch((e: unknown) => e)) as { code: string; message: string; detail?: string };
    expect(err.code).toBe('internal');
    expect(err.message).toMatch(/stopped unexpectedly \(exit code 1\)/);
    expect(err.detail).toBe('Error: the disk vanished');
    expect(err.detail).not.toContain('crash.cjs');
  });
});

describe('pkexec backend (stand-in pkexec: no polkit agent can run here)', () => {
  const runnerWith = (outcome: string, configDir: string) => {
    process.env.FAKE_PKEXEC_OUTCOME = outcome;
    return createPrivilegedRunner(loadHost({ HOME: '/root' }, { privilege: 'pkexec', nixosConfigDir: configDir, helperCommand, commands: { pkexec: pkexecStandIn } }));
  };

  it('exit 126 means the person dismissed the prompt, and says so', async () => {
    await expect(runnerWith('dismiss', tempDir()).run('write-config', { relativePath: 'a.nix', content: '' })).rejects.toMatchObject({
      code: 'auth-cancelled',
      message: expect.stringContaining('cancelled the password prompt'),
    });
  });

  it('exit 127 with the policy installed means not authorized, and says so', async () => {
    const runner = createPrivilegedRunner(loadHost({ HOME: '/root' }, { privilege: 'pkexec', helperCommand, commands: { pkexec: pkexecStandIn } }), { env: {}, policyDirs: [tempDir(), policyDir] });
    process.env.FAKE_PKEXEC_OUTCOME = 'deny';
    try {
      await expect(runner.run('write-config', { relativePath: 'a.nix', content: '' })).rejects.toMatchObject({ code: 'not-authorized', message: expect.stringContaining('not allowed') });
    } finally {
      delete process.env.FAKE_PKEXEC_OUTCOME;
    }
  });

  it('exit 127 without the policy installed says privileged actions need the .deb or the Nix package', async () => {
    const runner = createPrivilegedRunner(loadHost({ HOME: '/root' }, { privilege: 'pkexec', helperCommand, commands: { pkexec: pkexecStandIn } }), { env: {}, policyDirs: [tempDir()] });
    process.env.FAKE_PKEXEC_OUTCOME = 'deny';
    try {
      const err = await runner.run('gc', {}).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'unsupported', message: expect.stringContaining('.deb package or the Nix package') });
      expect((err as Error).message).toContain('polkit policy');
      expect((err as Error).message).toContain('is not installed');
    } finally {
      delete process.env.FAKE_PKEXEC_OUTCOME;
    }
  });

  it('in the AppImage (APPIMAGE set) with no installed helper: says so in words without starting pkexec', async () => {
    const log = path.join(tempDir(), 'argv.log');
    process.env.FAKE_PKEXEC_ARGV_LOG = log;
    try {
      const runner = createPrivilegedRunner(loadHost({ HOME: '/root' }, { privilege: 'pkexec', commands: { pkexec: pkexecStandIn } }), { env: { APPIMAGE: '/home/a/NixOS-Companion.AppImage' } });
      const err = await runner.run('write-config', { relativePath: 'a.nix', content: '' }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'unsupported', message: expect.stringContaining('the .deb package or the Nix package') });
      expect((err as Error).message).toContain('The AppImage cannot install the polkit policy');
      expect(existsSync(log)).toBe(false);
      // the AppImage with the .deb's helper installed beside it: pkexec runs, and a 127 without the policy says the same
      process.env.FAKE_PKEXEC_OUTCOME = 'deny';
      const withHelper = createPrivilegedRunner(loadHost({ HOME: '/root' }, { privilege: 'pkexec', helperCommand: ['/usr/lib/nixos-companion/nixos-companion-helper'], commands: { pkexec: pkexecStandIn } }), {
        env: { APPIMAGE: '/home/a/NixOS-Companion.AppImage' },
        policyDirs: [tempDir()],
      });
      await expect(withHelper.run('gc', {})).rejects.toMatchObject({ code: 'unsupported', message: expect.stringContaining('The AppImage cannot install the polkit policy') });
      expect(readFileSync(log, 'utf8')).toContain('cleanup\ngc\n-\n');
    } finally {
      delete process.env.FAKE_PKEXEC_ARGV_LOG;
      delete process.env.FAKE_PKEXEC_OUTCOME;
    }
  });

  it('pkexec gets the operation’s class as the helper’s first argument (what polkit picks the action by)', async () => {
    const dir = tempDir();
    const log = path.join(tempDir(), 'argv.log');
    process.env.FAKE_PKEXEC_ARGV_LOG = log;
    try {
      const runner = runnerWith('allow', dir);
      // under the stand-in pkexec the helper runs elevated, on root's defaults (/etc/nixos): the outcome does not matter here
      await runner.run('write-config', { relativePath: 'a.nix', content: '' }).catch(() => {});
      await runner.run('config-backups', {}).catch(() => {});
      await runner.run('rebuild', { action: 'build', upgrade: true, showTrace: false, flakeAttribute: null }, {}).catch(() => {});
      const calls = readFileSync(log, 'utf8').split('\n\n').filter(Boolean).map((c) => c.split('\n').slice(-3));
      expect(calls).toEqual([
        ['config', 'write-config', '-'],
        ['routine', 'config-backups', '-'],
        ['channels', 'rebuild', '-'],
      ]);
    } finally {
      delete process.env.FAKE_PKEXEC_ARGV_LOG;
      delete process.env.FAKE_PKEXEC_OUTCOME;
    }
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

describe('privilege classes in the real helper', () => {
  it('refuses an operation started under another class, in words, before doing anything', () => {
    const dir = tempDir();
    const env = { ...process.env, NIXOS_COMPANION_HOST: hostFileFor(dir) };
    const write = { relativePath: 'configuration.nix', content: '{ }\n' };
    for (const startedAs of ['routine', 'trial', 'activate', 'device']) {
      const r = runHelper([startedAs, 'write-config', '-'], write, env);
      expect(r.status, startedAs).toBe(HELPER_EXIT.refused);
      expect(r.error).toMatchObject({ code: 'refused', message: expect.stringContaining('change files in the NixOS configuration folder, which needs its own password prompt') });
    }
    expect(existsSync(path.join(dir, 'configuration.nix'))).toBe(false);
    // a build with --upgrade changes channels: refused under the routine class before nixos-rebuild runs
    const rebuild = runHelper(['routine', 'rebuild', '-'], { action: 'build', upgrade: true, showTrace: false, flakeAttribute: null }, env);
    expect(rebuild.error).toMatchObject({ code: 'refused', message: expect.stringContaining('change or update root’s channels') });
    // the matching class runs it
    const ok = runHelper(['config', 'write-config', '-'], write, env);
    expect(ok.status).toBe(HELPER_EXIT.ok);
    expect(readFileSync(path.join(dir, 'configuration.nix'), 'utf8')).toBe('{ }\n');
  });

  it('refuses an unknown class and an unknown operation', () => {
    expect(runHelper(['root', 'write-config', '-'], {}).error).toMatchObject({ code: 'refused', message: expect.stringContaining('unknown kind of change') });
    expect(runHelper(['write-config', '-'], {}).error).toMatchObject({ code: 'refused' });
    expect(runHelper(['routine', 'format-disk', '-'], {}).error).toMatchObject({ code: 'refused', message: expect.stringContaining('does not know the operation') });
  });
});

describe('write-config: one writer at a time, never through a link that leads out', () => {
  it('20 writers holding the same checksum: exactly one succeeds, the others are told the file changed since they opened it', async () => {
    const dir = tempDir();
    const original = '{ }\n';
    writeFileSync(path.join(dir, 'configuration.nix'), original);
    process.env.NIXOS_COMPANION_HOST = hostFileFor(dir);
    try {
      const runner = directRunner(dir);
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          runner.run('write-config', { relativePath: 'configuration.nix', content: `{ writer = ${i}; }\n`, expectedSha256: sha256(original) }).then(
            () => ({ ok: true as const, i }),
            (err: { code: string; message: string }) => ({ ok: false as const, i, err }),
          ),
        ),
      );
      const won = outcomes.filter((o) => o.ok);
      expect(won).toHaveLength(1);
      for (const lost of outcomes.filter((o) => !o.ok)) {
        expect(lost.err).toMatchObject({ code: 'conflict', message: 'configuration.nix changed on disk since you opened it. Reload it, then make your change again.' });
      }
      expect(readFileSync(path.join(dir, 'configuration.nix'), 'utf8')).toBe(`{ writer = ${won[0]!.i}; }\n`);
      expect(existsSync(lockFile(dir))).toBe(false);
    } finally {
      delete process.env.NIXOS_COMPANION_HOST;
    }
  });

  it('a lock left by a helper that is gone, or older than any write, is taken over', async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, '.nixos-companion-backups'));
    process.env.NIXOS_COMPANION_HOST = hostFileFor(dir);
    try {
      writeFileSync(lockFile(dir), `pid ${deadPid()}\ntoken dead\n`);
      await directRunner(dir).run('write-config', { relativePath: 'a.nix', content: 'a' });
      expect(readFileSync(path.join(dir, 'a.nix'), 'utf8')).toBe('a');
      // a live pid (this test) but ten minutes old: a crash before a reboot can leave such a lock
      writeFileSync(lockFile(dir), `pid ${process.pid}\ntoken old\n`);
      const old = new Date(Date.now() - 10 * 60_000);
      utimesSync(lockFile(dir), old, old);
      await directRunner(dir).run('write-config', { relativePath: 'a.nix', content: 'b' });
      expect(readFileSync(path.join(dir, 'a.nix'), 'utf8')).toBe('b');
      expect(readdirSync(path.join(dir, '.nixos-companion-backups')).filter((n) => n.startsWith('.write.lock'))).toEqual([]);
    } finally {
      delete process.env.NIXOS_COMPANION_HOST;
    }
  });

  it('a lock held by a live writer is waited for, not broken', async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, '.nixos-companion-backups'));
    writeFileSync(lockFile(dir), `pid ${process.pid}\ntoken live\n`);
    process.env.NIXOS_COMPANION_HOST = hostFileFor(dir);
    try {
      let writtenBeforeRelease: boolean | null = null;
      const released = new Promise<void>((resolve) =>
        setTimeout(() => {
          writtenBeforeRelease = existsSync(path.join(dir, 'a.nix'));
          void rm(lockFile(dir)).then(resolve);
        }, 1500),
      );
      await directRunner(dir).run('write-config', { relativePath: 'a.nix', content: 'after the lock' });
      await released;
      expect(writtenBeforeRelease).toBe(false);
      expect(readFileSync(path.join(dir, 'a.nix'), 'utf8')).toBe('after the lock');
    } finally {
      delete process.env.NIXOS_COMPANION_HOST;
    }
  });

  it('makes no folder through a symbolic link that leads out of the config folder', async () => {
    const dir = tempDir();
    const outside = tempDir();
    symlinkSync(outside, path.join(dir, 'hosts'));
    process.env.NIXOS_COMPANION_HOST = hostFileFor(dir);
    try {
      await expect(directRunner(dir).run('write-config', { relativePath: 'hosts/new/deeper/x.nix', content: 'x' })).rejects.toMatchObject({
        code: 'refused',
        message: expect.stringContaining('outside the configuration folder'),
      });
      expect(readdirSync(outside)).toEqual([]);
      // a link that stays inside is followed, and new folders are made under it
      mkdirSync(path.join(dir, 'machines'));
      symlinkSync(path.join(dir, 'machines'), path.join(dir, 'here'));
      await directRunner(dir).run('write-config', { relativePath: 'here/laptop/default.nix', content: '{ }' });
      expect(readFileSync(path.join(dir, 'machines/laptop/default.nix'), 'utf8')).toBe('{ }');
    } finally {
      delete process.env.NIXOS_COMPANION_HOST;
    }
  });

  it('a config of the contract’s largest size (1 MiB characters) passes through the real helper, whatever it escapes to', async () => {
    const dir = tempDir();
    process.env.NIXOS_COMPANION_HOST = hostFileFor(dir);
    try {
      const line = '  networking.extraHosts = "10.0.0.1 \\"é\\"\\t"; # ünïcode\n';
      const typical = line.repeat(Math.ceil(MAX_CONFIG_CHARS / line.length)).slice(0, MAX_CONFIG_CHARS);
      // the worst case for the argument line: every character escaped as \u0001 in JSON
      const worst = '\u0001'.repeat(MAX_CONFIG_CHARS);
      for (const content of [typical, worst]) {
        expect(content.length).toBe(MAX_CONFIG_CHARS);
        const r = await directRunner(dir).run('write-config', { relativePath: 'big.nix', content });
        expect(readFileSync(path.join(dir, 'big.nix'), 'utf8') === content).toBe(true);
        expect(r.sha256).toBe(sha256(content));
      }
    } finally {
      delete process.env.NIXOS_COMPANION_HOST;
    }
  });
});
