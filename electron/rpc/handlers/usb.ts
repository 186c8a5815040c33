import type { AppContext } from '../../context';
import { drives } from '../../services/usb/drive-list';
import { describeDrive } from '../../services/usb/drives';
import { copyToVentoy, prepareVentoyCopy, ventoyInfo } from '../../services/usb/ventoy-stick';
import { ejectDrive, prepareWrite, writeToDrive } from '../../services/usb/write';
import { startJob } from '../jobs';
import type { Handlers } from '../router';

/** Writes are checked before the job starts, so a blocked or swapped drive is refused at once, in words. */
export const usbHandlers = (ctx: AppContext) =>
  ({
    'usb.drives': (p) => drives(ctx, p.image),
    'usb.write': async (p) => {
      const prepared = await prepareWrite(ctx, p);
      return startJob(ctx, 'usb.write', { title: `Write to ${describeDrive(prepared.drive)}`, exclusiveGroup: 'usb', cancellable: true }, (job) => writeToDrive(ctx, job, p, prepared));
    },
    'usb.eject': (p) => ejectDrive(ctx, p.device),
    'usb.ventoyInfo': (p) => ventoyInfo(ctx, p.device),
    'usb.copyToVentoy': async (p) => {
      const prepared = await prepareVentoyCopy(ctx, p);
      return startJob(ctx, 'usb.copyToVentoy', { title: `Copy to the Ventoy stick ${describeDrive(prepared.drive)}`, exclusiveGroup: 'usb', cancellable: true }, (job) => copyToVentoy(ctx, job, p, prepared));
    },
  }) satisfies Partial<Handlers>;
