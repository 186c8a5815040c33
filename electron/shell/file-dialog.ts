import { dialog, type BrowserWindow } from 'electron';
import { imageDialogOptions, type ImagePicker } from '../services/installer/pick-image';

/** The system's open-file dialog for Install media, attached to the main window when there is one. */
export function imagePicker(parent: () => BrowserWindow | null): ImagePicker {
  return async () => {
    const win = parent();
    const options = { ...imageDialogOptions, properties: [...imageDialogOptions.properties], filters: imageDialogOptions.filters.map((f) => ({ ...f, extensions: [...f.extensions] })) };
    const r = win && !win.isDestroyed() ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
    return r.canceled ? null : (r.filePaths[0] ?? null);
  };
}
