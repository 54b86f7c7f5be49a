/** Runs deploy/temporal/schema.sh (the same steps a deployment runs): databases created if missing, schemas upgraded. */
import { execFile } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { pgEnv, SCHEMA_SCRIPT, type ClusterDatabases, type PgTarget } from './serverConfig';

const run = promisify(execFile);

/** The schema tool logs every statement: its output goes to `logFile`, and only into an error when it fails. */
export async function prepareSchema(sqlTool: string, pg: PgTarget, databases: ClusterDatabases, logFile?: string): Promise<void> {
  const env = { ...process.env, ...pgEnv(pg, databases), TEMPORAL_SQL_TOOL: sqlTool };
  try {
    const { stdout, stderr } = await run('bash', [SCHEMA_SCRIPT], { env, maxBuffer: 64 * 1024 * 1024 });
    if (logFile) appendFileSync(logFile, stdout + stderr);
  } catch (err) {
    const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
    if (logFile) appendFileSync(logFile, stdout + stderr);
    const tail = (stdout + stderr).trim().split('\n').slice(-8).join('\n');
    throw new Error(`deploy/temporal/schema.sh failed:\n${tail}`);
  }
}
