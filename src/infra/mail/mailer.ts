/** One email, as the notifier composes it. */
export interface MailMessage {
  to: string[];
  subject: string;
  text: string;
  html?: string;
  /** stable per event and recipient set, so a retried delivery is recognisable */
  messageId: string;
}

/** Sends mail: SMTP (any server, Azure Communication Services' SMTP relay included) or .eml files locally. */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
  readonly description: string;
}
