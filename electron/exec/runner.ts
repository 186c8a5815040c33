/** The one process runner, shared with the root helper: electron/core/process.ts. */
export { CommandFailed, CommandRunner, killGroup, type RunOptions, type RunResult, type Stream } from '../core/process';
