import { useEffect, useRef, useState } from 'react';
import type { Drive } from '../../../shared/contract';
import { Icon } from '../../components/Icon';
import { Badge, Banner, Card, ErrorBanner, formatBytes } from '../../components/ui';
import { useInstall } from '../../stores/install';
import { driveName, driveSize } from './drive-name';
import { StarterConfigForm } from './StarterConfig';

export { driveName, driveSize };

export const VENTOY_WARNING =
  'Booting NixOS installer ISOs through Ventoy is known to be unreliable: the installer may not find its own files and stop at an emergency shell. Writing the image directly to a stick is the safe default; use Ventoy only if you know it works on your machine.';

function DriveRow({ d, selected, onSelect }: { d: Drive; selected: boolean; onSelect: () => void }) {
  const blocked = !!d.blockedReason;
  return (
    <label className={`drive ${selected ? 'checked' : ''} ${blocked ? 'blocked' : ''}`} data-testid={`drive-${d.name}`}>
      <input type="radio" name="drive" checked={selected} disabled={blocked} onChange={onSelect} aria-describedby={blocked ? `why-${d.name}` : undefined} />
      <span className="drive-icon">
        <Icon name={d.transport === 'usb' || d.removable ? 'usb' : 'disk'} size={22} />
      </span>
      <span className="drive-body">
        <span className="drive-title">
          {driveName(d)}
          <span className="drive-size">{driveSize(d.size)}</span>
        </span>
        <span className="drive-meta">
          <span className="mono">{d.path}</span>
          {d.transport ? <span>· {d.transport.toUpperCase()}</span> : null}
          {d.serial ? <span className="mono">· {d.serial}</span> : null}
          {d.mountpoints.length ? <span>· mounted at {d.mountpoints.slice(0, 2).join(', ')}</span> : null}
        </span>
        {blocked ? (
          <span className="drive-why" id={`why-${d.name}`}>
            {d.blockedMessage}
          </span>
        ) : null}
        {!blocked && d.large ? <span className="drive-warn">Larger than 128 GB: this is probably not a USB stick. Make sure it holds nothing you need.</span> : null}
      </span>
      <span className="drive-badges">
        {d.system ? <Badge kind="danger">System disk</Badge> : null}
        {d.blockedReason === 'built-in' ? <Badge>Built-in</Badge> : null}
        {d.ventoy ? <Badge kind="accent">Ventoy</Badge> : null}
        {d.removable && !d.system ? <Badge>Removable</Badge> : null}
        {d.type === 'loop' ? <Badge>Loop (test)</Badge> : null}
        {!blocked && d.large ? <Badge kind="warn">Large</Badge> : null}
      </span>
    </label>
  );
}

function ConfirmDialog({ drive, open, onCancel, onConfirm, ventoy }: { drive: Drive; open: boolean; onCancel: () => void; onConfirm: () => void; ventoy: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    if (open) ref.current?.showModal();
    else ref.current?.close();
  }, [open]);
  return (
    <dialog ref={ref} className="modal" onClose={onCancel} data-testid="confirm-write">
      <div className="modal-body">
        <h2>{ventoy ? 'Copy the image onto this Ventoy stick?' : 'Erase this drive and write the image?'}</h2>
        <div className="confirm-drive">
          <Icon name="usb" size={28} />
          <div>
            <div className="drive-title">
              {driveName(drive)} <span className="drive-size">{driveSize(drive.size)}</span>
            </div>
            <div className="faint mono">
              {drive.path}
              {drive.serial ? ` · serial ${drive.serial}` : ''}
            </div>
          </div>
        </div>
        {ventoy ? (
          <p>The ISO is added next to the files already on the stick; nothing is erased.</p>
        ) : (
          <Banner kind="danger" title="Everything on this drive will be erased.">
            <span>
              All its partitions and files{drive.mountpoints.length ? ` (mounted at ${drive.mountpoints.join(', ')})` : ''} are replaced by the installer image. This cannot be undone.
            </span>
          </Banner>
        )}
        {drive.large ? (
          <Banner kind="warn" title="This drive is larger than 128 GB">
            <span>USB sticks rarely are. Check that it is not a backup disk.</span>
          </Banner>
        ) : null}
      </div>
      <div className="modal-actions">
        <button className="btn" onClick={onCancel} autoFocus>
          Cancel
        </button>
        <button className={`btn ${ventoy ? 'primary' : 'danger solid'}`} onClick={onConfirm} data-testid="confirm-write-button">
          {ventoy ? 'Copy to the stick' : `Erase ${driveName(drive)} and write`}
        </button>
      </div>
    </dialog>
  );
}

/** Step 3: pick the drive (never preselected), how to put the image on it, and confirm. */
export function DriveStep() {
  const s = useInstall();
  const [confirming, setConfirming] = useState(false);
  useEffect(() => {
    void s.loadDrives();
  }, []); // eslint-disable-line react-hooks/exhaustive-deps
  const selected = s.drives.find((d) => d.path === s.device) ?? null;
  const usable = s.drives.filter((d) => !d.blockedReason);

  return (
    <div className="stack install-step" data-testid="step-drive">
      <Card
        title="Choose the USB stick"
        icon="usb"
        actions={
          <button className="btn small ghost" onClick={() => void s.loadDrives()} disabled={s.drivesLoading}>
            <Icon name="refresh" size={14} /> Refresh
          </button>
        }
      >
        <p className="muted">Plug the stick in; it appears here by itself. Only USB drives and memory cards are offered: your computer’s own disks and drives that must not be written to are shown greyed out, with the reason.</p>
        {s.drivesError ? <ErrorBanner error={s.drivesError} onRetry={() => void s.loadDrives()} /> : null}
        <div className="drives" role="radiogroup" aria-label="Drives">
          {s.drives.map((d) => (
            <DriveRow key={d.path} d={d} selected={s.device === d.path} onSelect={() => s.selectDrive(d.path)} />
          ))}
        </div>
        {!s.drivesLoading && usable.length === 0 ? (
          <div className="empty small" data-testid="no-drives">
            <Icon name="usb" size={32} />
            <h2>No USB stick found</h2>
            <p>Plug in a stick of at least {s.image ? driveSize(s.image.size) : '4 GB'}. It will show up here.</p>
          </div>
        ) : null}
      </Card>

      {selected ? (
        <Card title="How to put the image on it" icon="layers">
          <div className="choices single" role="radiogroup" aria-label="Method">
            <label className={`choice ${s.mode === 'raw' ? 'checked' : ''}`}>
              <input type="radio" name="mode" checked={s.mode === 'raw'} onChange={() => s.setMode('raw')} />
              <span className="choice-body">
                <span className="choice-title">
                  Write the image to the stick <Badge kind="ok">Recommended</Badge>
                </span>
                <span className="choice-desc">Byte for byte, like Etcher or dd. The stick boots exactly as NixOS intends. Everything on it is erased.</span>
              </span>
            </label>
            {selected.ventoy ? (
              <label className={`choice ${s.mode === 'ventoy' ? 'checked' : ''}`} data-testid="mode-ventoy">
                <input type="radio" name="mode" checked={s.mode === 'ventoy'} onChange={() => s.setMode('ventoy')} />
                <span className="choice-body">
                  <span className="choice-title">Copy onto the Ventoy stick</span>
                  <span className="choice-desc">
                    Adds the ISO to the stick’s other ISOs{selected.ventoy.freeBytes !== null ? ` (${formatBytes(selected.ventoy.freeBytes)} free)` : ''}; nothing is erased.
                  </span>
                </span>
              </label>
            ) : null}
          </div>
          {s.mode === 'ventoy' ? (
            <>
              {s.ventoyInfo ? (
                <p className="muted" data-testid="ventoy-info">
                  {formatBytes(s.ventoyInfo.freeBytes)} free on the stick{s.image && s.image.size > s.ventoyInfo.freeBytes ? ' — not enough for this image' : ''}.{' '}
                  {s.ventoyInfo.isos.length ? `Already on it: ${s.ventoyInfo.isos.map((i) => i.name).join(', ')}.` : 'No ISOs on it yet.'}
                </p>
              ) : null}
              {s.ventoyInfoError ? <ErrorBanner error={s.ventoyInfoError} /> : null}
              <Banner kind="warn" title="Ventoy and NixOS do not always get along">
                <span>{VENTOY_WARNING}</span>
              </Banner>
              <label className="check">
                <input type="checkbox" checked={s.includeStarter} onChange={(e) => s.setIncludeStarter(e.target.checked)} /> Put a starter configuration.nix next to the ISO
              </label>
              {s.includeStarter ? <StarterConfigForm compact /> : null}
            </>
          ) : (
            <label className="check">
              <input type="checkbox" checked={s.verify} onChange={(e) => s.setVerify(e.target.checked)} data-testid="verify-toggle" /> Verify after writing (reads the stick back and compares checksums; recommended)
            </label>
          )}
        </Card>
      ) : null}

      <div className="step-actions">
        <button className="btn ghost" onClick={() => s.goto('download')}>
          Back
        </button>
        <button className={`btn ${s.mode === 'ventoy' ? 'primary' : 'danger solid'}`} disabled={!selected} onClick={() => setConfirming(true)} data-testid="write-button">
          {selected ? (s.mode === 'ventoy' ? 'Copy to the Ventoy stick…' : `Write to ${driveName(selected)} (${driveSize(selected.size)})…`) : 'Pick a drive first'}
        </button>
      </div>
      {selected ? (
        <ConfirmDialog
          drive={selected}
          open={confirming}
          ventoy={s.mode === 'ventoy'}
          onCancel={() => setConfirming(false)}
          onConfirm={() => {
            setConfirming(false);
            void s.startWrite();
          }}
        />
      ) : null}
    </div>
  );
}
