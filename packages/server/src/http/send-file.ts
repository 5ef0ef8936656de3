import { createReadStream } from 'node:fs';
import type { ServerResponse } from 'node:http';

/** Answers 200 with a file's bytes; resolves once the file is closed (sent, or the client left). */
export async function sendFile(
  res: ServerResponse,
  path: string,
  headers: Record<string, string>,
): Promise<void> {
  res.writeHead(200, headers);
  const stream = createReadStream(path);
  stream.pipe(res);
  await new Promise<void>((resolve) => stream.on('close', () => resolve()));
}
