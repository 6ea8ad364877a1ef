/**
 * The built local host as a process that can be killed with SIGKILL at any moment and started again
 * on the same data directory. Each start is a new *session*: a new port, a new Azurite port (so
 * links issued before are dead), and tokens minted for the new issuer URL. Clients ask for the
 * current session and, when a call got no answer, wait for the next one.
 */
import { AirlockClient, localTokens } from '../support/airlockClient';
import { LocalHostProcess, newDataDir, startLocalHostProcess } from '../support/localHostProcess';
import { blobOriginOf } from '../support/stageContents';
import { WorkspaceRole } from '../../src/domain/roles';

export const WORKSPACE = 'demo';

/** The people of the storm; requesters are never reviewers. */
export const PEOPLE = {
  rita: 'WorkspaceResearcher',
  remy: 'WorkspaceResearcher',
  mona: 'AirlockManager',
  mark: 'AirlockManager',
  olga: 'WorkspaceOwner',
} as const satisfies Record<string, WorkspaceRole>;
export type Person = keyof typeof PEOPLE;

export interface HostSession {
  /** 1 for the first start, one more after every restart */
  generation: number;
  api: AirlockClient;
  blobOrigin: string;
  token(person: Person): string;
}

/** How many times a start is attempted after a kill before the run gives up on the host. */
const START_ATTEMPTS = 3;

export class CrashingHost {
  readonly dataDir: string;
  private process: LocalHostProcess | undefined;
  private session: HostSession | undefined;
  private up: Promise<HostSession>;
  private markUp!: (session: HostSession) => void;
  private markFailed!: (error: Error) => void;
  private generation = 0;
  /** The output of every process so far, for the report of a host that would not start. */
  private readonly outputs: string[] = [];

  constructor(private readonly env: Record<string, string>) {
    this.dataDir = newDataDir();
    this.up = this.pendingSession();
  }

  /** The host as it is now, waiting while it restarts. */
  current(): Promise<HostSession> {
    return this.up;
  }

  async start(): Promise<HostSession> {
    let lastError: Error | undefined;
    for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
      try {
        this.process = await startLocalHostProcess({ dataDir: this.dataDir, env: this.env });
      } catch (error) {
        lastError = error as Error;
        this.outputs.push(lastError.message);
        continue;
      }
      const mint = await localTokens(this.dataDir);
      const tokens = {} as Record<Person, string>;
      for (const [person, role] of Object.entries(PEOPLE) as [Person, WorkspaceRole][]) tokens[person] = await mint(WORKSPACE, person, role);
      this.generation += 1;
      this.session = {
        generation: this.generation,
        api: new AirlockClient(this.process.apiUrl),
        blobOrigin: blobOriginOf(this.process.output()),
        token: (person) => tokens[person],
      };
      this.markUp(this.session);
      return this.session;
    }
    const error = new Error(`the local host did not start after ${START_ATTEMPTS} attempts on ${this.dataDir}:\n${lastError?.message}`);
    this.markFailed(error);
    throw error;
  }

  /** SIGKILL: whatever was in flight is cut off, as in a crash. Callers wait until `start` again. */
  async kill(): Promise<void> {
    if (!this.process) return;
    this.outputs.push(this.process.output());
    this.session = undefined;
    this.up = this.pendingSession();
    await this.process.kill();
    this.process = undefined;
  }

  async stop(): Promise<number | null> {
    if (!this.process) return null;
    this.outputs.push(this.process.output());
    this.session = undefined;
    const code = await this.process.stop();
    this.process = undefined;
    return code;
  }

  /** What the current (or last) process printed. */
  output(): string {
    return this.process?.output() ?? this.outputs.at(-1) ?? '';
  }

  private pendingSession(): Promise<HostSession> {
    const pending = new Promise<HostSession>((resolve, reject) => {
      this.markUp = resolve;
      this.markFailed = reject;
    });
    // A host that never comes back is reported by `start`; waiting callers get the same error.
    pending.catch(() => undefined);
    return pending;
  }
}
