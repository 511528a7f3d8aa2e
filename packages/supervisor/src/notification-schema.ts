// zod schema of a supervisor notification (version 1), for receivers; its own entry point so the supervisor does not load zod.
import { z } from 'zod';
import { NOTIFICATION_KINDS, type Notification } from './notification.js';

/** Schema of {@link Notification}: what `--notify-cmd` reads on stdin and `--notify-url` receives. */
export const notificationSchema = z
  .object({
    v: z.literal(1),
    kind: z.enum(NOTIFICATION_KINDS as [Notification['kind'], ...Notification['kind'][]]),
    severity: z.enum(['critical', 'warning', 'info']),
    bot: z.string().min(1),
    host: z.string(),
    run_dir: z.string(),
    at: z.iso.datetime(),
    summary: z.string().min(1),
    count: z.number().int().min(1),
    restarts_total: z.number().int().min(0),
    last_exit: z
      .object({
        code: z.number().int().nullable(),
        signal: z.string().nullable(),
        status: z.number().int(),
      })
      .strict()
      .nullable(),
    supervisor_pid: z.number().int().positive(),
  })
  .strict();

/** Parses a notification's JSON text; throws a zod error naming the field. */
export function parseNotification(text: string): Notification {
  return notificationSchema.parse(JSON.parse(text)) as Notification;
}
