/**
 * Not Pollster's instance workflow: one that does something else first. Replaying a recorded
 * instance history against it must fail, which shows the replay test compares commands with the
 * history rather than passing whatever the code does.
 */
import { sleep } from '@temporalio/workflow';

export async function instanceWorkflow(): Promise<void> {
  await sleep('1 day');
}
