/**
 * rhea writes every AMQP frame with a `socket.write` of its own, and the emulator's sockets have no
 * Nagle delay: a burst of frames (a batch of deliveries, a disposition and a flow) would cost a
 * system call and a TCP segment each, here and in the client that reads them. Corked until the end
 * of the tick, the burst leaves in one `writev`.
 */
import type { Socket } from "node:net";

export function coalesceWrites(socket: Socket): void {
  const write: Socket["write"] = socket.write.bind(socket);
  let corked = false;
  const uncork = (): void => {
    corked = false;
    socket.uncork();
  };
  socket.write = ((...args: Parameters<Socket["write"]>) => {
    if (!corked) {
      corked = true;
      socket.cork();
      process.nextTick(uncork);
    }
    return write(...args);
  }) as Socket["write"];
}
