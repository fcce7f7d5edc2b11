"use client";

import { useEffect, useState } from "react";
import { formatDuration } from "@/lib/domain/format";

/** Live time left until `until` (ms); says "expired" at zero. */
export function Countdown({ until }: { until: number }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  const left = until - now;
  return (
    <span role="timer" aria-live="off" data-until={until}>
      {left > 0 ? `${formatDuration(left)} left` : "expired"}
    </span>
  );
}
