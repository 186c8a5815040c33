import type { AppContext } from '../../context';
import { AppError } from '../../errors';

/**
 * The system file dialog, for choosing an image. Only the Electron shell has one; it hands it over with
 * `setImagePicker` (the service never imports Electron). In a browser (`npm run serve`) there is none, and
 * a browser's own file input gives a page the file's name and bytes but never its path, so the person
 * types or pastes the path instead.
 */
export type ImagePicker = () => Promise<string | null>;

export function setImagePicker(ctx: AppContext, picker: ImagePicker): void {
  ctx.state.imagePicker = picker;
}

export const NO_PICKER_MESSAGE = 'A browser cannot tell the app where a file is. Type or paste the full path of the ISO file instead.';

export async function pickImage(ctx: AppContext): Promise<{ path: string | null }> {
  const picker = ctx.state.imagePicker;
  if (!picker) throw new AppError('unsupported', NO_PICKER_MESSAGE);
  const chosen = await picker();
  return { path: chosen && chosen.startsWith('/') ? chosen : null };
}

/** What the dialog asks for: one existing file, disk images first. */
export const imageDialogOptions = {
  title: 'Choose the NixOS image',
  buttonLabel: 'Choose',
  properties: ['openFile' as const],
  filters: [
    { name: 'Disk images (.iso, .img)', extensions: ['iso', 'img'] },
    { name: 'All files', extensions: ['*'] },
  ],
};
