// Loaded with `node --require` into each child process of the local stack (MailDev,
// serverless-offline: scripts/supervise.ts). The parent holds the write end of a pipe on the
// child's fd given in STACK_LIFELINE_FD and never writes to it; the kernel closes it when the
// parent dies, however it dies (a kill -9 included), and the child then sees the end of the pipe
// at once and takes its whole process group (itself and whatever it started) down with it.
// A pipe rather than polling process.ppid: no timer, no delay, and nothing to tune.
'use strict';
const fd = Number(process.env.STACK_LIFELINE_FD);
delete process.env.STACK_LIFELINE_FD;
if (Number.isInteger(fd) && fd > 2) {
  const net = require('node:net');
  const pipe = new net.Socket({ fd, readable: true, writable: false });
  let gone = false;
  const die = () => {
    if (gone) return;
    gone = true;
    const kill = (signal) => {
      try {
        process.kill(-process.pid, signal);
      } catch {
        process.kill(process.pid, signal);
      }
    };
    kill('SIGTERM');
    // Whatever ignores or outlasts SIGTERM.
    setTimeout(() => kill('SIGKILL'), 3000).unref();
  };
  pipe.on('error', die);
  pipe.on('end', die);
  pipe.on('close', die);
  pipe.resume();
  pipe.unref();
}
