import { connect } from 'node:net';

/**
 * The scanner's floor: clamd's INSTREAM spoken directly on one socket, each
 * chunk behind its 4-byte length, a zero length to finish, the reply read to
 * the close. Honours backpressure, nothing else.
 */
export function instream(
  target: { host: string; port: number },
  chunks: readonly Buffer[],
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(target);
    const reply: Buffer[] = [];
    socket.on('data', (data: Buffer) => reply.push(data));
    socket.on('end', () => resolve(Buffer.concat(reply).toString('utf8').replace(/\0+$/, '')));
    socket.on('error', reject);

    let next = 0;
    const write = () => {
      while (next < chunks.length) {
        const chunk = chunks[next++]!;
        const length = Buffer.alloc(4);
        length.writeUInt32BE(chunk.length);
        // One writev per chunk: a lone 4-byte write would wait on Nagle and delayed ACKs.
        socket.cork();
        socket.write(length);
        const more = socket.write(chunk);
        socket.uncork();
        if (!more) {
          socket.once('drain', write);
          return;
        }
      }
      socket.end(Buffer.alloc(4));
    };
    socket.write('zINSTREAM\0');
    write();
  });
}
