import type { Drive } from '../../../shared/contract';

/**
 * lsblk's VENDOR is sometimes a bus id ("0x1af4" for virtio disks, "0x0781") or a placeholder ("ATA",
 * "Generic-", "General"): never a name a person knows their drive by.
 */
function vendorName(vendor: string | null): string | null {
  const v = vendor?.trim().replace(/[-_.]+$/, '') ?? '';
  if (!v || /^(?:0x)?[0-9a-f]{4}$/i.test(v) || /^(?:ata|scsi|usb|generic|general|mass|storage|unknown)$/i.test(v)) return null;
  return v;
}

/** What kind of drive it is, in words ("USB drive"), for one that names no model. */
function driveKind(d: Pick<Drive, 'path' | 'transport' | 'type' | 'removable'>): string {
  if (d.type === 'loop') return 'loop device';
  if (d.transport === 'mmc' || d.path.includes('mmcblk')) return 'memory card';
  if (d.transport === 'usb') return 'USB drive';
  return d.removable ? 'removable drive' : 'disk';
}

const capitalized = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** A name a person recognises: the model (after its maker's name), else the maker and the kind ("SanDisk USB drive"), else the kind. */
export function driveName(d: Pick<Drive, 'vendor' | 'model' | 'path' | 'transport' | 'type' | 'removable'>): string {
  const vendor = vendorName(d.vendor);
  const model = d.model?.trim() || null;
  if (model) return vendor && !model.toLowerCase().startsWith(vendor.toLowerCase()) ? `${vendor} ${model}` : model;
  return vendor ? `${vendor} ${driveKind(d)}` : capitalized(driveKind(d));
}

/** Sizes as drive makers print them on the stick: decimal GB. */
export function driveSize(bytes: number): string {
  if (bytes >= 1e12) return `${(bytes / 1e12).toFixed(1)} TB`;
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(bytes >= 10e9 ? 0 : 1)} GB`;
  return `${(bytes / 1e6).toFixed(0)} MB`;
}
