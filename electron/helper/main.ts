/**
 * The root helper: run by pkexec (or directly when the app is already root) as
 * `helper <class> <operation> <args | ->`. It trusts nothing from the caller: the operation must be on the
 * list and belong to the class it was started under (the class is what polkit asked the password for),
 * every argument is re-validated, and under pkexec/sudo the host environment comes from root-owned
 * defaults, never from the caller's env.
 */
import readline from 'node:readline';
import { toRpcError } from '../errors';
import { helperEnvironment } from './environment';
import type { HelperIO } from './io';
import { writeEvent } from './io';
import { helperContract, isHelperOperationName, type HelperOperationName, type HelperParsedArgs, type HelperReturn } from './contract';
import { operations } from './operations';
import { HELPER_EXIT, decodeArgs, isPrivilegeClass, operationClass, operationNamePattern, privilegeClasses } from './protocol';

function firstLine(lines: readline.Interface): Promise<string> {
  return new Promise((resolve, reject) => {
    lines.once('line', resolve);
    lines.once('close', () => reject(new Error('no arguments on stdin')));
  });
}

function runOperation<K extends HelperOperationName>(name: K, args: HelperParsedArgs<K>, io: HelperIO): Promise<HelperReturn<K>> {
  return operations[name](args, io);
}

function refuse(message: string, detail?: string): never {
  writeEvent({ type: 'error', error: { code: 'refused', message, ...(detail ? { detail } : {}) } });
  process.exit(HELPER_EXIT.refused);
}

async function main(argv: string[]): Promise<void> {
  const [startedAs, name, encoded, ...extra] = argv;
  if (!isPrivilegeClass(startedAs)) refuse(`The helper was started for an unknown kind of change ("${String(startedAs).slice(0, 40)}"), so it did nothing.`);
  if (!name || !operationNamePattern.test(name) || !isHelperOperationName(name) || extra.length > 0) {
    refuse(`The helper does not know the operation "${String(name).slice(0, 60)}".`);
  }
  const stdinLines = readline.createInterface({ input: process.stdin });
  let raw: unknown;
  try {
    raw = decodeArgs(encoded === '-' ? await firstLine(stdinLines) : (encoded ?? ''));
  } catch (err) {
    refuse('The helper could not read its arguments.', (err as Error).message);
  }
  const parsed = helperContract[name].args.safeParse(raw);
  if (!parsed.success) {
    refuse(`The helper refused "${name}": its arguments are not valid.`, parsed.error.issues.map((i: { path: PropertyKey[]; message: string }) => `${i.path.join('.')}: ${i.message}`).join('; '));
  }
  const needs = operationClass(name, parsed.data);
  if (needs === null) refuse(`The helper does not know which password rule covers "${name}", so it did nothing.`);
  if (needs !== startedAs) {
    refuse(`The helper refused "${name}": the password was asked to ${privilegeClasses[startedAs]}, but this would ${privilegeClasses[needs]}, which needs its own password prompt.`);
  }

  const controller = new AbortController();
  let cancellable = true;
  // The caller closes our stdin to ask us to stop; we only stop where stopping is safe.
  stdinLines.on('close', () => {
    if (cancellable) controller.abort();
  });
  process.stdin.on('error', () => {});

  const environment = helperEnvironment(process.env);
  if (environment.path !== undefined) process.env.PATH = environment.path;
  const io: HelperIO = {
    host: environment.host,
    signal: controller.signal,
    log: (text, stream = 'info') => writeEvent({ type: 'log', stream, text }),
    progress: (progress) => writeEvent({ type: 'progress', progress }),
    phase: (phase, label, canCancel) => {
      cancellable = canCancel;
      writeEvent({ type: 'phase', phase, label, cancellable: canCancel });
    },
  };
  try {
    const value = await runOperation(name, parsed.data, io);
    writeEvent({ type: 'result', value: value ?? null });
    process.exitCode = HELPER_EXIT.ok;
  } catch (err) {
    writeEvent({ type: 'error', error: toRpcError(err) });
    process.exitCode = HELPER_EXIT.failed;
  }
  process.stdin.destroy();
}

void main(process.argv.slice(2));
