/** The previous release's workflow input: the instance without settings (they were parsed from its configuration). */
import type { InstanceWorkflowInput as CurrentInput } from '../../contract/instance';

export type { InstanceRecord, InstanceState, PollerStatus, ResourceState, ResumePoint } from '../../contract/instance';
export type { PageRunProgress, PollPageInput, PollPageResult } from '../../contract/activities';

export type InstanceWorkflowInput = Omit<CurrentInput, 'settings'>;
