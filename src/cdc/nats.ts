import { connect, type JetStreamClient, type NatsConnection, nanos, StringCodec } from 'nats';
import { errorMessage, SourceError } from '../common/errors.ts';
import type { Logger } from '../common/logger.ts';
import type { ChangeEvent } from './changes.ts';

/** One subject per table under the stream's name: GOURMAND_CDC → `gourmand.cdc.<table>`. */
export const cdcSubject = (stream: string, table: string) =>
  `${stream.toLowerCase().replaceAll('_', '.')}.${table}`;
/**
 * JetStream drops a message whose id it saw within the window: the change's LSN and its place in
 * the transaction (the snapshot's rows share one LSN).
 */
export const cdcMessageId = (event: ChangeEvent) => `${event.source.lsn}:${event.source.seq}`;

export interface JetStreamSink {
  publish(events: readonly ChangeEvent[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * A JetStream stream (CDC_NATS_STREAM) on `<its subject prefix>.>`, file storage, a one-day duplicate window
 * (longer than any restart). Publishing waits for every ack, so the slot is confirmed only after
 * the server has stored the changes.
 */
export async function openJetStream(url: string, stream: string, log: Logger): Promise<JetStreamSink> {
  let nc: NatsConnection;
  try {
    nc = await connect({ servers: url, name: 'gourmand-cdc' });
  } catch (error) {
    throw new SourceError(`Cannot reach NATS at ${url} (CDC_NATS_URL): ${errorMessage(error)}`);
  }
  const jsm = await nc.jetstreamManager();
  const config = {
    name: stream,
    subjects: [cdcSubject(stream, '>')],
    duplicate_window: nanos(24 * 3600 * 1000),
  };
  try {
    await jsm.streams.info(stream);
  } catch {
    await jsm.streams.add(config);
    log.info({ stream }, 'created the JetStream stream');
  }
  const js: JetStreamClient = nc.jetstream();
  const codec = StringCodec();
  return {
    async publish(events) {
      // In order, one at a time: per-subject order in the stream is commit order.
      for (const event of events) {
        await js.publish(cdcSubject(stream, event.source.table), codec.encode(JSON.stringify(event)), {
          msgID: cdcMessageId(event),
        });
      }
    },
    async close() {
      await nc.drain();
    },
  };
}
