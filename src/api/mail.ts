import nodemailer from 'nodemailer';
import type { Logger } from '../common/logger.ts';
import type { Settings } from '../config/settings.ts';

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  send(mail: Mail): Promise<void>;
  close(): void;
}

/**
 * Mail over SMTP_URL with nodemailer: `smtp://` upgrades to TLS with STARTTLS when the server
 * offers it, `smtps://` is TLS from the start; credentials come from the URL. Undefined without
 * SMTP_URL (development mode then hands tokens back in responses instead).
 */
export function createMailer(
  settings: Pick<Settings, 'smtpUrl' | 'mailFrom'>,
  log: Logger,
): Mailer | undefined {
  if (!settings.smtpUrl) return undefined;
  const transport = nodemailer.createTransport(settings.smtpUrl);
  return {
    async send(mail) {
      await transport.sendMail({ from: settings.mailFrom, ...mail });
      log.info({ subject: mail.subject }, 'mail sent');
    },
    close: () => transport.close(),
  };
}
