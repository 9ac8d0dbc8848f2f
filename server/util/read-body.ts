// Reading a request body with an upper bound: what is past the bound is counted but not kept,
// so a huge upload cannot grow memory, and the caller can still answer 413.

export interface BodySource {
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

export type BoundedBody = Buffer | 'too_large' | 'error';

export function readBoundedBody(req: BodySource, limit: number): Promise<BoundedBody> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) over = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(over ? 'too_large' : Buffer.concat(chunks)));
    req.on('error', () => resolve('error'));
  });
}
