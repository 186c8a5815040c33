import type { z } from 'zod';
import type { MethodDef } from './core';
import { jobsMethods } from './jobs';
import { systemMethods } from './system';
import { installerMethods } from './installer';
import { usbMethods } from './usb';
import { homeMethods } from './home';
import { searchMethods } from './search';
import { learnMethods } from './learn';
import { desktopMethods } from './desktop';
import { systemRebuildMethods } from './system-rebuild';
import { systemPreflightMethods } from './system-preflight';
import { systemUpdatesMethods } from './system-updates';

/** Every RPC method, by name. Areas add their own file and spread it here. */
export const methods = {
  ...jobsMethods,
  ...systemMethods,
  ...installerMethods,
  ...usbMethods,
  ...homeMethods,
  ...searchMethods,
  ...learnMethods,
  ...desktopMethods,
  ...systemRebuildMethods,
  ...systemPreflightMethods,
  ...systemUpdatesMethods,
} satisfies Record<string, MethodDef>;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type Params<M extends MethodName> = z.input<Methods[M]['params']>;
export type ParsedParams<M extends MethodName> = z.output<Methods[M]['params']>;
export type Result<M extends MethodName> = z.output<Methods[M]['result']>;
export type JobResult<M extends MethodName> = Methods[M]['jobResult'] extends z.ZodType ? z.output<Methods[M]['jobResult']> : never;
export type JobMethodName = { [M in MethodName]: Methods[M]['jobResult'] extends z.ZodType ? M : never }[MethodName];

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(methods, name);
}

export * from './core';
export * from './events';
export * from './jobs';
export * from './system';
export * from './installer';
export * from './usb';
export * from './home';
export * from './search';
export * from './learn';
export * from './desktop';
export * from './system-rebuild';
export * from './system-preflight';
export * from './system-updates';
