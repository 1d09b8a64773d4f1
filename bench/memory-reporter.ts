/**
 * Loaded into the server by the soak (`node --import bench/memory-reporter.ts src/main.ts`):
 * sends the process's memory figures to the benchmark over the IPC channel every second. Only
 * ever loaded by bench/; Pathway itself exposes no such figures.
 */
if (process.send) {
  const timer = setInterval(() => {
    if (process.connected) process.send!(process.memoryUsage());
  }, 1000);
  timer.unref();
  process.channel?.unref();
}
