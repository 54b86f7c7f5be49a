/** The Temporal server and its schema tool, installed once outside the repository by scripts/temporal-server.sh. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ServerTools {
  server: string;
  sqlTool: string;
}

export function serverTools(): ServerTools {
  const script = fileURLToPath(new URL('../temporal-server.sh', import.meta.url));
  const dir = execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  return { server: join(dir, 'temporal-server'), sqlTool: join(dir, 'temporal-sql-tool') };
}
