import { CommandRunner } from './exec/runner';
import { EventBus } from './exec/events';
import { JobManager } from './exec/jobs';
import { createPrivilegedRunner, type PrivilegedRunner } from './exec/privilege';
import type { Host } from './host';

/** Everything a service needs from the outside world, made once per app and passed down. */
export interface AppContext {
  host: Host;
  runner: CommandRunner;
  privileged: PrivilegedRunner;
  events: EventBus;
  jobs: JobManager;
}

export function createContext(host: Host): AppContext {
  const events = new EventBus();
  return {
    host,
    runner: new CommandRunner(host),
    privileged: createPrivilegedRunner(host),
    events,
    jobs: new JobManager(events),
  };
}
