import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { freePort, retryOnPortRace, startMailCatcher } from '../../../scripts/stack';

/** Ports chosen for servers of other processes (serverless-offline, MailDev) and the race they lose. */

function occupy(port: number): Promise<Server> {
  const server = createServer();
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

describe('freePort', () => {
  it('answers a port that can be listened on, below the ports the kernel hands out by itself', async () => {
    const port = await freePort();
    const range = '/proc/sys/net/ipv4/ip_local_port_range';
    const ephemeralLow = existsSync(range)
      ? Number(readFileSync(range, 'utf8').trim().split(/\s+/)[0])
      : 49152;
    expect(port).toBeGreaterThanOrEqual(20_000);
    expect(port).toBeLessThan(ephemeralLow);
    const server = await occupy(port);
    server.close();
  });
});

describe('retryOnPortRace', () => {
  const taken = () => new Error('listen EADDRINUSE: address already in use 127.0.0.1:3000');

  it('starts again when a port was taken in between, and answers what the next start answers', async () => {
    const start = jest.fn().mockRejectedValueOnce(taken()).mockResolvedValueOnce('started');
    await expect(retryOnPortRace(start)).resolves.toBe('started');
    expect(start).toHaveBeenCalledTimes(2);
  });

  it('gives up after the attempts it was given', async () => {
    const start = jest.fn().mockRejectedValue(taken());
    await expect(retryOnPortRace(start, 3)).rejects.toThrow('EADDRINUSE');
    expect(start).toHaveBeenCalledTimes(3);
  });

  it('does not start again for any other failure', async () => {
    const start = jest.fn().mockRejectedValue(new Error('serverless-offline exited with code 1'));
    await expect(retryOnPortRace(start)).rejects.toThrow('exited with code 1');
    expect(start).toHaveBeenCalledTimes(1);
  });
});

describe('startMailCatcher', () => {
  it('fails with EADDRINUSE, which the retry recognises, when a port it was given is taken', async () => {
    const server = await occupy(await freePort());
    const port = (server.address() as { port: number }).port;
    try {
      await expect(startMailCatcher({ smtpPort: port, webPort: await freePort() })).rejects.toThrow(
        'EADDRINUSE',
      );
    } finally {
      server.close();
    }
  }, 40_000);
});
