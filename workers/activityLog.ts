/** Prints activityLines.ts's line for every activity attempt the worker runs, through the process logger. */
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { Logger } from '../log/logger';
import { completedLine, failedLine, type ActivityLine, type ActivityRun } from './activityLines';

export function activityLogInterceptor(log: Logger): ActivityInterceptorsFactory {
  const print = (line: ActivityLine | undefined): void => {
    if (line) log[line.level](line.fields, line.text);
  };
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const run: ActivityRun = { activityType: ctx.info.activityType, attempt: ctx.info.attempt, workflowId: ctx.info.workflowExecution?.workflowId };
        try {
          const result = await next(input);
          print(completedLine(run, input.args[0], result));
          return result;
        } catch (err) {
          // Cancellation is the worker or the workflow stopping the attempt, not a failure to report.
          if (!ctx.cancellationSignal.aborted) print(failedLine(run, input.args[0], err));
          throw err;
        }
      },
    },
  });
}
