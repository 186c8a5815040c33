import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/app';

/** scripts/electronegativity.mjs (real Electronegativity 1.10) on the app's sources and on deliberately bad samples. */

const root = path.resolve(import.meta.dirname, '../..');

interface Report {
  ok: boolean;
  findings: { id: string; severity: string; file: string; line: number }[];
  unexplained: { file: string; line: number }[];
}

function scan(input?: string): { status: number | null; report: Report; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(root, 'scripts/electronegativity.mjs'), '--json', ...(input ? ['--input', input] : [])], { encoding: 'utf8', timeout: 120_000 });
  const line = r.stdout.trim().split('\n').pop() ?? '{}';
  return { status: r.status, report: JSON.parse(line) as Report, stderr: r.stderr };
}

function sampleApp(main: string, html = '<!doctype html><html><head><title>x</title></head><body></body></html>'): string {
  const dir = tempDir('nc-eng-sample-');
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'sample', main: 'main.js', devDependencies: { electron: '39.8.10' } }));
  writeFileSync(path.join(dir, 'main.js'), main);
  mkdirSync(path.join(dir, 'renderer'));
  writeFileSync(path.join(dir, 'renderer/index.html'), html);
  return dir;
}

const BAD_MAIN = `
const { app, BrowserWindow } = require('electron');
app.whenReady().then(() => {
  const win = new BrowserWindow({
    webPreferences: { nodeIntegration: true, contextIsolation: false, webSecurity: false },
  });
  win.loadFile('renderer/index.html');
});
`;

describe('electronegativity', () => {
  it('finds nothing of medium severity or above in the app itself, and prints a summary', () => {
    const { status, report, stderr } = scan();
    expect(report.findings.filter((f) => ['MEDIUM', 'HIGH'].includes(f.severity))).toEqual([]);
    expect(report.unexplained).toEqual([]);
    expect(report.ok).toBe(true);
    expect(status).toBe(0);
    expect(stderr).toMatch(/^electronegativity: \d+ checks, \d+ findings, 0 of MEDIUM severity or above \(or node integration\), 0 exceptions without a reason, 0 parse errors: OK$/m);
  });

  it('fails a deliberately bad app: node integration on, no isolation, no sandbox (by default), no CSP, no navigation or permission limits', () => {
    const { status, report, stderr } = scan(sampleApp(BAD_MAIN));
    expect(status).toBe(1);
    expect(report.ok).toBe(false);
    const ids = new Set(report.findings.filter((f) => ['MEDIUM', 'HIGH'].includes(f.severity)).map((f) => f.id));
    // Electronegativity itself rates nodeIntegration: true INFORMATIONAL here; the script fails it anyway.
    expect(report.findings.map((f) => f.id)).toContain('NODE_INTEGRATION_JS_CHECK');
    expect(stderr).toMatch(/^FAIL \w+\/\w+ NODE_INTEGRATION_JS_CHECK main\.js:\d+$/m);
    for (const id of ['CONTEXT_ISOLATION_JS_CHECK', 'SANDBOX_JS_CHECK', 'WEB_SECURITY_JS_CHECK', 'CSP_GLOBAL_CHECK', 'LIMIT_NAVIGATION_GLOBAL_CHECK', 'PERMISSION_REQUEST_HANDLER_GLOBAL_CHECK']) {
      expect(ids, id).toContain(id);
    }
    expect(stderr).toMatch(/FAILED$/m);
  });

  it('an eng-disable exception needs a reason: without one the scan fails, with one the finding is accepted', () => {
    const line = "  const win = new BrowserWindow({ webPreferences: { preload: 'p.js', contextIsolation: true, sandbox: true, disableBlinkFeatures: 'Auxclick' } });";
    const handlers = `
app.on('web-contents-created', (e, c) => { c.on('will-navigate', (ev) => ev.preventDefault()); c.setWindowOpenHandler(() => ({ action: 'deny' })); });
require('electron').session.defaultSession.setPermissionRequestHandler((w, p, cb) => cb(false));
`;
    const html = `<!doctype html><html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'self'"><title>x</title></head><body></body></html>`;
    const make = (comment: string) => sampleApp(`const { app, BrowserWindow } = require('electron');\n${handlers}\napp.whenReady().then(() => {\n${line} ${comment}\n});\n`, html);

    const unannotated = scan(make(''));
    expect(unannotated.report.findings.map((f) => f.id)).toContain('PRELOAD_JS_CHECK');
    expect(unannotated.status).toBe(1);

    const noReason = scan(make('// eng-disable PRELOAD_JS_CHECK'));
    expect(noReason.report.findings.map((f) => f.id)).not.toContain('PRELOAD_JS_CHECK');
    expect(noReason.report.unexplained).toHaveLength(1);
    expect(noReason.status).toBe(1);

    const withReason = scan(make('// eng-disable PRELOAD_JS_CHECK -- the preload exposes two functions only'));
    expect(withReason.report.findings.filter((f) => ['MEDIUM', 'HIGH'].includes(f.severity))).toEqual([]);
    expect(withReason.report.unexplained).toEqual([]);
    expect(withReason.status).toBe(0);
  });
});
