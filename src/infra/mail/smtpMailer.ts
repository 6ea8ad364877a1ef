/**
 * Mail through an SMTP server, with nodemailer.
 *
 * Azure Communication Services Email is used the same way, through its SMTP endpoint: host
 * smtp.azurecomm.net, port 587, STARTTLS (AIRLOCK_SMTP_SECURE=false: the connection starts in clear
 * and is upgraded), the user name and password of a Microsoft Entra application that has been
 * granted send rights on the Communication Services resource (the user name is the SMTP username
 * configured on the resource; the password is the application's client secret), and a `from` that
 * is a verified sender of the resource's email domain. Nothing else is needed: no SDK, the same
 * SmtpMailer.
 */
import nodemailer, { type SMTPSentMessageInfo, type SMTPTransportOptions, type Transporter } from 'nodemailer';
import { MailConfig } from '../../config';
import { Mailer, MailMessage } from './mailer';

export type SmtpMailConfig = Extract<MailConfig, { kind: 'smtp' }>;

/** Long enough for a slow relay, short enough that a dead one fails the delivery and Event Grid retries it. */
const CONNECTION_TIMEOUT_MS = 30_000;
const SOCKET_TIMEOUT_MS = 60_000;

export class SmtpMailer implements Mailer {
  readonly description: string;
  private readonly transport: Transporter<SMTPSentMessageInfo, SMTPTransportOptions>;

  constructor(
    private readonly config: SmtpMailConfig,
    private readonly log: (line: string) => void = (line) => console.warn(line),
  ) {
    const loopback = isLoopback(config.host);
    const options: SMTPTransportOptions = {
      host: config.host,
      port: config.port,
      secure: config.secure,
      // A relay on this machine (a test sink, a local Mailpit) may offer STARTTLS with a certificate
      // nobody trusts; anywhere else the upgrade is taken whenever the server offers it...
      ignoreTLS: loopback,
      // ...and demanded before a password crosses the network, so credentials never travel in clear.
      requireTLS: !config.secure && !loopback && config.user !== undefined,
      auth: config.user !== undefined ? { user: config.user, pass: config.password } : undefined,
      connectionTimeout: CONNECTION_TIMEOUT_MS,
      greetingTimeout: CONNECTION_TIMEOUT_MS,
      socketTimeout: SOCKET_TIMEOUT_MS,
      // nodemailer's own logger can print the AUTH exchange; it stays off.
      logger: false,
      debug: false,
    };
    this.transport = nodemailer.createTransport(options);
    const security = config.secure ? 'TLS' : loopback ? 'no TLS (loopback)' : 'STARTTLS when offered';
    // The password is never part of the description: it is printed in banners and health answers.
    this.description = `smtp ${config.host}:${config.port} (${security})${config.user ? ` as ${config.user}` : ''}, from ${config.from}`;
  }

  async send(message: MailMessage): Promise<void> {
    const info = await this.transport.sendMail({
      from: this.config.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      html: message.html,
      messageId: message.messageId,
    });
    // nodemailer fails the send when no recipient is accepted; a partial refusal is usually a dead
    // address, which a retry will not revive, so it is reported rather than thrown.
    const rejected = info.rejected.map(String);
    if (rejected.length) this.log(`mail ${message.messageId}: the server refused ${rejected.join(', ')}`);
  }
}

/** Whether the host is this machine, where no one can read the traffic in between. */
export function isLoopback(host: string): boolean {
  const name = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  return name === 'localhost' || name.endsWith('.localhost') || name === '::1' || /^127(?:\.\d{1,3}){3}$/.test(name);
}
