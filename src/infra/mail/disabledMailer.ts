import { Mailer } from './mailer';

/** No mail configured: notifications are composed and logged, not sent. */
export class DisabledMailer implements Mailer {
  readonly description = 'disabled: no AIRLOCK_SMTP_HOST (or AIRLOCK_MAIL=eml), notifications are not sent';
  constructor(private readonly log: (line: string) => void = () => {}) {}
  async send(message: { to: string[]; subject: string }): Promise<void> {
    this.log(`notification not sent (mail disabled): to=${message.to.join(',')} subject=${message.subject}`);
  }
}
