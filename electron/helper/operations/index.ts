import { configOperations } from './config';
import { generationsOperations } from './generations';
import { homeOperations } from './home';
import { rebuildOperations } from './rebuild';
import { systemSwitchOperations } from './system-switch';
import type { HelperOperation } from './types';
import { usbOperations } from './usb';

/** Every operation the root helper will run. Nothing else runs as root. Areas add their own file here. */
export const operations: Record<string, HelperOperation<any>> = {
  ...configOperations,
  ...generationsOperations,
  ...rebuildOperations,
  ...systemSwitchOperations,
  ...usbOperations,
  ...homeOperations,
};
