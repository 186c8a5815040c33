import { bootMenuOperations } from './boot-menu';
import { configOperations } from './config';
import { generationsOperations } from './generations';
import { homeOperations } from './home';
import { rebuildOperations } from './rebuild';
import { systemSwitchOperations } from './system-switch';
import type { HelperImplementations } from './types';
import { usbOperations } from './usb';

/** Every operation the root helper will run (declared in ../contract.ts). Nothing else runs as root. Areas add their own file here. */
export const operations: HelperImplementations = {
  ...configOperations,
  ...generationsOperations,
  ...rebuildOperations,
  ...systemSwitchOperations,
  ...usbOperations,
  ...homeOperations,
  ...bootMenuOperations,
};
