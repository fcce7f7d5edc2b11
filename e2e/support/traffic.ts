/**
 * ~30 requests/s through a router (6 at a time, every 200 ms) until stopped: the traffic the
 * canary-analysis journeys need, each against its own environment's router.
 */
export function driveTraffic(url: () => string) {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await Promise.all(
        Array.from({ length: 6 }, () =>
          fetch(url())
            .then((r) => r.arrayBuffer())
            .catch(() => undefined),
        ),
      );
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
