/** The production Net: Node's TCP (common/net.ts). Its sockets are NetSockets as they are. */
import { connect, createServer } from 'node:net';
import type { Net, NetListener } from '../../common/index.js';

export const systemNet: Net = {
  listen(host, port, accept): Promise<NetListener> {
    const server = createServer({ noDelay: true, pauseOnConnect: true }, accept);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        const addr = server.address();
        if (addr === null || typeof addr === 'string') {
          server.close();
          reject(new Error('listener has no address'));
          return;
        }
        resolve({
          port: addr.port,
          close: () => new Promise<void>((done) => server.close(() => done())),
        });
      });
    });
  },
  connect: (host, port) => connect({ host, port, noDelay: true }),
};
