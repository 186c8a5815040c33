import { describe, expect, it } from 'vitest';
import { operations } from '../../electron/helper/operations';
import { operationClass, type PrivilegeClass } from '../../electron/helper/protocol';

/**
 * The class (polkit action) each root operation runs under. A new operation fails this test until it is
 * given a class here and in electron/helper/protocol.ts; the helper refuses an operation with none.
 * routine keeps the password a few minutes, trial never asks in the active session (a safe switch must go
 * back by itself), every other class asks each time (build/polkit/org.nixos.companion.policy).
 */
const intended: Record<string, { args: unknown; class: PrivilegeClass }[]> = {
  rebuild: [
    { args: { action: 'build', upgrade: false, showTrace: false, flakeAttribute: null }, class: 'routine' },
    { args: { action: 'dry-build', upgrade: false, showTrace: true, flakeAttribute: 'host' }, class: 'routine' },
    // --upgrade updates root's channels first
    { args: { action: 'build', upgrade: true, showTrace: false, flakeAttribute: null }, class: 'channels' },
  ],
  'config-backups': [{ args: {}, class: 'routine' }],
  'config-commit': [{ args: { generation: 3, action: 'switch', init: false }, class: 'routine' }],
  'ventoy-info': [{ args: { device: '/dev/sdb' }, class: 'routine' }],
  eject: [{ args: { device: '/dev/sdb' }, class: 'routine' }],
  activate: [
    { args: { buildId: '0123456789abcdef', action: 'switch', trial: false }, class: 'activate' },
    { args: { buildId: '0123456789abcdef', action: 'test', trial: true }, class: 'activate' },
  ],
  rollback: [{ args: {}, class: 'activate' }],
  'switch-generation': [{ args: { generation: 2 }, class: 'activate' }],
  'boot-menu': [{ args: { expectedCurrent: 3 }, class: 'activate' }],
  'revert-trial': [{ args: {}, class: 'trial' }],
  'end-trial': [{ args: {}, class: 'trial' }],
  'delete-generations': [{ args: { generations: [1, 2] }, class: 'cleanup' }],
  gc: [{ args: {}, class: 'cleanup' }],
  'write-config': [{ args: { relativePath: 'configuration.nix', content: '{ }' }, class: 'config' }],
  'restore-config': [{ args: { backup: 'configuration.nix.2025-01-01T00-00-00-000Z' }, class: 'config' }],
  'channel-add': [{ args: { name: 'nixos', url: 'https://channels.nixos.org/nixos-25.05' }, class: 'channels' }],
  'channel-remove': [{ args: { name: 'nixos' }, class: 'channels' }],
  'channel-update': [{ args: { names: ['nixos'] }, class: 'channels' }],
  'write-image': [{ args: { image: '/tmp/a.iso', device: '/dev/sdb', verify: true }, class: 'device' }],
  'ventoy-copy': [{ args: { device: '/dev/sdb', iso: '/tmp/a.iso' }, class: 'device' }],
};

describe('privilege class of every root operation', () => {
  it('every operation the helper runs is in the table above, and nothing else', () => {
    expect(Object.keys(operations).sort()).toEqual(Object.keys(intended).sort());
  });

  it.each(Object.entries(intended).flatMap(([op, cases]) => cases.map((c) => [op, c.class, c.args] as const)))('%s runs as %s', (op, cls, args) => {
    expect(operationClass(op, args)).toBe(cls);
  });

  it('an operation that is not on the list has no class (so the app refuses before pkexec, and the helper refuses too)', () => {
    expect(operationClass('format-disk', {})).toBeNull();
    expect(operationClass('toString', {})).toBeNull();
    expect(operationClass('__proto__', {})).toBeNull();
  });

  it('rebuild counts as a channel change only when upgrade is really true', () => {
    for (const upgrade of ['true', 1, null, undefined]) expect(operationClass('rebuild', { action: 'build', upgrade })).toBe('routine');
    expect(operationClass('rebuild', null)).toBe('routine');
  });
});
