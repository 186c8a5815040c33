import { useEffect, useState, type FormEvent } from 'react';
import type { ChannelCheck, ChannelInfo } from '../../../shared/contract';
import { Icon } from '../../components/Icon';
import { JobLog } from '../../components/JobLog';
import { Term } from '../../components/Term';
import { Url } from '../../components/Url';
import { Badge, Banner, Card, ErrorBanner, ProgressBar } from '../../components/ui';
import { useJobs } from '../../stores/jobs';
import { useSystemGenerations } from '../../stores/system-generations';
import { FlakeInputsCard } from './FlakeInputsCard';
import './system-read.css';

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9._-]*$/;

function CheckStatus({ check }: { check: ChannelCheck | undefined }) {
  if (!check) return <span className="faint">not checked</span>;
  if (check.error)
    return (
      <span className="stack sr-status">
        <Badge kind="danger">could not check</Badge>
        <span className="faint">{check.error}</span>
      </span>
    );
  if (check.updateAvailable === true)
    return (
      <span className="stack sr-status" title={check.latestUrl ?? undefined}>
        <Badge kind="warn">update available</Badge>
        <span className="faint mono sr-break">{check.latest}</span>
      </span>
    );
  if (check.updateAvailable === false) return <Badge kind="ok">up to date</Badge>;
  return <span className="faint">unknown</span>;
}

function ChannelRow({ channel, check, busy, onUpdate, onRemove }: { channel: ChannelInfo; check?: ChannelCheck; busy: boolean; onUpdate: () => void; onRemove: () => void }) {
  return (
    <tr data-testid={`channel-row-${channel.name}`}>
      <td>
        <strong className="mono sr-nowrap">{channel.name}</strong>
        {channel.updateOnRebuild ? <div className="faint">updated by “upgrade” rebuilds</div> : null}
      </td>
      <td className="mono sr-url">{channel.url ? <Url href={channel.url} /> : <span className="faint">no address</span>}</td>
      <td>
        {channel.installed ? (
          <>
            <div className="mono">{channel.version ?? channel.release}</div>
            {channel.revision ? <div className="faint mono">rev {channel.revision.slice(0, 12)}</div> : null}
          </>
        ) : (
          <Badge kind="warn">not downloaded yet</Badge>
        )}
      </td>
      <td>
        <CheckStatus check={check} />
      </td>
      <td className="sr-actions">
        <div className="row">
          <button className="btn small" onClick={onUpdate} disabled={busy || !channel.url}>
            Update
          </button>
          <button className="btn small ghost danger" onClick={onRemove} disabled={busy} aria-label={`Remove channel ${channel.name}`}>
            Remove
          </button>
        </div>
      </td>
    </tr>
  );
}

export function ChannelsTab() {
  const { channels, channelsError, channelChecks, checking, channelWarnings, channelJobId } = useSystemGenerations();
  const { loadChannels, addChannel, removeChannel, updateChannels, checkChannels } = useSystemGenerations.getState();
  const job = useJobs((s) => (channelJobId ? s.jobs[channelJobId] : undefined));
  const running = job?.status === 'running';
  const [name, setName] = useState('nixos');
  const [url, setUrl] = useState('');
  const [confirmRemove, setConfirmRemove] = useState<string | null>(null);

  useEffect(() => {
    void loadChannels();
  }, [loadChannels]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await addChannel(name.trim(), url.trim())) setUrl('');
  };
  const nameOk = NAME.test(name.trim());
  const urlOk = /^https?:\/\/\S+$/.test(url.trim());
  const newer = Object.values(channelChecks).filter((c) => c.newerRelease);

  return (
    <div className="stack sr-tab" data-testid="channels-tab">
      {channelsError ? <ErrorBanner error={channelsError} onRetry={() => void loadChannels()} /> : null}
      {channelWarnings.map((w) => (
        <Banner key={w} kind="warn" title="Before you rebuild">
          <span>{w}</span>
        </Banner>
      ))}
      {newer.map((c) => (
        <Banner
          key={c.name}
          kind="info"
          title={`NixOS ${c.newerRelease!.release} is available`}
          actions={
            <button className="btn small" disabled={running} onClick={() => void addChannel(c.name, c.newerRelease!.url)}>
              Point “{c.name}” to {c.newerRelease!.release}
            </button>
          }
        >
          <span>{c.warnings.join(' ')}</span>
        </Banner>
      ))}

      <FlakeInputsCard />

      <Card
        title={<Term learn="channels-vs-flakes" label="a root channel">Root channels</Term>}
        icon="refresh"
        actions={
          <div className="row">
            <button className="btn small" onClick={() => void checkChannels()} disabled={checking || !channels?.length} data-testid="check-updates">
              {checking ? 'Checking…' : 'Check for updates'}
            </button>
            <button className="btn small primary" onClick={() => void updateChannels()} disabled={running || !channels?.some((c) => c.url)}>
              Update all
            </button>
          </div>
        }
      >
        <p className="muted">
          Channels are where a configuration without flakes gets its packages and NixOS modules. Updating downloads the newest release of a channel; your system changes only at the next rebuild.
        </p>
        {channels && channels.length === 0 ? (
          <div className="empty">
            <Icon name="refresh" size={36} />
            <h2>No channels</h2>
            <p>Add the NixOS channel below, or use a flake (flake.nix in the configuration folder), which pins its own inputs.</p>
          </div>
        ) : null}
        {channels?.length ? (
          <div className="sr-table-wrap">
            <table className="table" data-testid="channels-table">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Address</th>
                  <th>Release</th>
                  <th>Updates</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {channels.map((c) => (
                  <ChannelRow key={c.name} channel={c} check={channelChecks[c.name]} busy={running} onUpdate={() => void updateChannels([c.name])} onRemove={() => setConfirmRemove(c.name)} />
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        {confirmRemove ? (
          <Banner
            kind="warn"
            title={`Remove the channel “${confirmRemove}”?`}
            actions={
              <>
                <button className="btn small danger" onClick={() => { void removeChannel(confirmRemove); setConfirmRemove(null); }}>
                  Remove
                </button>
                <button className="btn small ghost" onClick={() => setConfirmRemove(null)}>
                  Keep it
                </button>
              </>
            }
          >
            <span>{confirmRemove === 'nixos' ? 'Without a “nixos” channel, rebuilding a configuration that is not a flake fails until you add one again.' : 'Configurations that import <' + confirmRemove + '> stop building.'}</span>
          </Banner>
        ) : null}
        {job ? (
          <div className="stack" data-testid="channel-job">
            <div className="spread">
              <strong>{job.title}</strong>
              <span className="faint">{job.status === 'running' ? (job.phase ?? 'working…') : job.status === 'done' ? 'done' : job.status}</span>
            </div>
            {job.status === 'running' ? <ProgressBar fraction={job.progress?.fraction ?? null} label={job.title} /> : null}
            <details open={job.status === 'failed'}>
              <summary className="faint">Output</summary>
              <JobLog jobId={job.id} height={180} />
            </details>
          </div>
        ) : null}
      </Card>

      <Card title="Add a channel" icon="layers">
        <form className="row sr-add-channel" onSubmit={(e) => void submit(e)}>
          <label className="field">
            Name
            <input type="text" value={name} onChange={(e) => setName(e.target.value)} aria-invalid={!nameOk} placeholder="nixos" />
          </label>
          <label className="field sr-grow-field">
            Address
            <input type="text" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://channels.nixos.org/nixos-24.11" />
          </label>
          <button className="btn primary" type="submit" disabled={!nameOk || !urlOk || running}>
            Add
          </button>
        </form>
        <p className="faint">
          Using the name of an existing channel changes where it points. Moving to a new NixOS release? Keep <code>system.stateVersion</code> as it is.
        </p>
      </Card>
    </div>
  );
}
