/**
 * Mail as .eml files in a directory: what the local host does when no SMTP server is configured, so
 * a person can open each notification in a mail client and see exactly what would have been sent.
 * The message is composed by nodemailer (the same composer the SmtpMailer uses, so the headers and
 * encodings are the real ones), with CRLF line ends as RFC 5322 requires.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer, { type StreamSentMessageInfo, type StreamTransportOptions, type Transporter } from 'nodemailer';
import { InvariantError } from '../../domain/errors';
import { Mailer, MailMessage } from './mailer';

export class EmlFileMailer implements Mailer {
  readonly description: string;
  private readonly composer: Transporter<StreamSentMessageInfo, StreamTransportOptions>;

  constructor(
    private readonly directory: string,
    private readonly from: string,
  ) {
    this.composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
    this.description = `eml: notifications are written as .eml files to ${directory} (no SMTP server configured)`;
  }

  /** Writes `<directory>/<time>-<message id>.eml`; returns nothing, as every Mailer. */
  async send(message: MailMessage): Promise<void> {
    await this.write(message);
  }

  /** The file written, for callers (tests, tools) that want to open it. */
  async write(message: MailMessage): Promise<string> {
    const composed = await this.composer.sendMail({
      from: this.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      html: message.html,
      messageId: message.messageId,
    });
    // `buffer: true` promises a Buffer; anything else is this module's contract with nodemailer broken.
    if (!Buffer.isBuffer(composed.message)) throw new InvariantError('nodemailer did not return the composed message as a buffer');
    await mkdir(this.directory, { recursive: true });
    const file = join(this.directory, `${fileTimestamp(new Date())}-${fileNamePart(message.messageId)}.eml`);
    // Written aside and renamed into place, so whoever watches the directory never reads half a message.
    const partial = `${file}.${randomBytes(4).toString('hex')}.partial`;
    try {
      await writeFile(partial, composed.message, { mode: 0o600 });
      await rename(partial, file);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
    return file;
  }
}

/** `2025-01-31T12-00-00-000Z`: sorts by time and is a valid file name everywhere (no ':'). */
function fileTimestamp(time: Date): string {
  return time.toISOString().replace(/[:.]/g, '-');
}

function fileNamePart(messageId: string): string {
  return messageId.replace(/^<|>$/g, '').replace(/[^A-Za-z0-9.@_-]/g, '_').slice(0, 150);
}
