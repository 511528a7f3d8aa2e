// The heartbeat: an empty file whose modification time is the last sign of progress; schema of a reading.
import { z } from 'zod';

/**
 * What a reader learns from `heartbeat`: its mtime in epoch milliseconds. The content is ignored (`loop run`
 * writes it empty; a bot in another language may write anything); only touching it counts.
 */
export const heartbeatSchema = z.object({
  /** Modification time of the heartbeat file, epoch milliseconds. */
  mtime_ms: z.number().nonnegative(),
});

/** A heartbeat reading. */
export type HeartbeatReading = z.infer<typeof heartbeatSchema>;
