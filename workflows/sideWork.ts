/**
 * What an instance does between its polls: the second looks of its settle windows (each at its own time) and its id
 * scans (every `every` minutes, beside the polls: a scan may take minutes).
 */
import type { PollerSettings } from '../core/settings';
import type { InstanceRecord, InstanceState } from '../contract/instance';
import { runScan, scanDueAtMs } from './deletions';
import { resourceState, withRefresh } from './pollCycle';
import { reading, remember } from './reading';
import { settleDue, settleDueAtMs } from './settle';

export class SideWork {
  constructor(
    private readonly instance: InstanceRecord,
    private readonly state: InstanceState,
    private readonly settings: () => PollerSettings,
    private readonly scanning: Map<string, Promise<void>>,
    /** Wakes the instance's loop: a scan that ends sets when the next one is due. */
    private readonly onScanEnded: () => void,
  ) {}

  /** When the next second look or scan is due (scans under way do not count). */
  dueAtMs(): number | undefined {
    let next: number | undefined;
    const earliest = (at: number | undefined): void => {
      if (at !== undefined && (next === undefined || at < next)) next = at;
    };
    for (const [name, resource] of Object.entries(this.settings().resources)) {
      const rs = this.state.resources[name];
      if (rs) earliest(settleDueAtMs(rs));
      if (resource.deletion?.kind === 'scan' && !this.scanning.has(name)) earliest(rs ? scanDueAtMs(rs, resource.deletion) : 0);
    }
    return next;
  }

  /** The second looks that are due, in resource order; the scans that are due are started and left running. */
  async run(nowMs: number): Promise<void> {
    const read = reading(this.instance, this.state);
    if (read.credentialsDue(nowMs)) await read.refreshCredentials().catch(() => undefined); // a poll reports a refusal
    for (const [name, resource] of Object.entries(this.settings().resources)) {
      const rs = resourceState(this.state, this.settings(), name);
      if ((settleDueAtMs(rs) ?? Infinity) <= nowMs) await withRefresh(read, () => settleDue(read, name, resource, rs, nowMs)).catch(() => undefined);
      const deletion = resource.deletion;
      if (deletion?.kind !== 'scan' || this.scanning.has(name) || scanDueAtMs(rs, deletion) > nowMs) continue;
      const scan = runScan(
        {
          input: { instance: read.ref, configuration: read.configuration, credentials: this.state.credentials, resourceName: name, scan: { url: deletion.url, idField: deletion.idField, pageSize: resource.pageSize } },
          onResult: (result) => remember(this.state, result.notifications),
        },
        rs,
        nowMs,
      ).finally(() => {
        this.scanning.delete(name);
        this.onScanEnded();
      });
      this.scanning.set(name, scan);
    }
  }
}
