// Workshops, their attendees and every Check an attendee ran, behind one interface so the
// SQLite store here can later be replaced by a shared database (several server replicas):
// nothing about a workshop lives in memory outside the store.
export interface Workshop {
  id: string;
  title: string;
  labs: string[];
  seats: number;
  /** ISO time the workshop ends, or null for no end. */
  endsAt: string | null;
  joinCode: string;
  codeRevoked: boolean;
  /** Set when the instructor ended (deleted) the workshop; results stay. */
  endedAt: string | null;
  createdAt: string;
}

export interface Attendee {
  id: string;
  workshopId: string;
  /** The learner (browser session) this attendee is; their cluster and terminal belong to it. */
  learnerId: string;
  name: string;
  joinedAt: string;
  lastActiveAt: string;
  handRaised: boolean;
  /** Checks before this time belong to an environment the instructor reset. */
  resetAt: string | null;
}

export interface CheckRecord {
  attendeeId: string;
  lab: string;
  step: string;
  passed: boolean;
  /** Whether the attendee had asked for the step's solution (Solve) before this Check. */
  solved: boolean;
  at: string;
}

export interface WorkshopMessage {
  id: number;
  message: string;
  at: string;
}

export interface AuditEvent {
  attendeeId: string | null;
  kind: string;
  detail: string;
  at: string;
}

export type JoinResult =
  | { ok: true; attendee: Attendee; rejoined: boolean }
  | { ok: false; reason: 'unknown-code' | 'revoked' | 'ended' | 'full' };

export interface NewWorkshop {
  title: string;
  labs: string[];
  seats: number;
  endsAt: string | null;
}

export interface WorkshopStore {
  create(input: NewWorkshop, at?: Date): Workshop;
  get(id: string): Workshop | undefined;
  list(): Workshop[];
  /** Takes a seat atomically: of any number of concurrent joins, at most `seats` succeed. */
  join(code: string, learnerId: string, name: string, at?: Date): JoinResult;
  revokeCode(id: string): boolean;
  extend(id: string, endsAt: string | null): boolean;
  end(id: string, at?: Date): boolean;
  attendees(workshopId: string): Attendee[];
  attendee(workshopId: string, attendeeId: string): Attendee | undefined;
  /** The attendee a learner is, in a workshop that has not ended. */
  attendeeOfLearner(learnerId: string): Attendee | undefined;
  touch(attendeeId: string, at?: Date): void;
  setHand(attendeeId: string, raised: boolean): void;
  markReset(attendeeId: string, at?: Date): void;
  recordCheck(record: CheckRecord): void;
  /** Marks that the attendee asked for a step's solution; later Checks of that step count as solved with Solve. */
  recordSolve(attendeeId: string, lab: string, step: string, at?: Date): void;
  solveUsed(attendeeId: string, lab: string, step: string): boolean;
  checks(workshopId: string): CheckRecord[];
  broadcast(workshopId: string, message: string, at?: Date): WorkshopMessage;
  messages(workshopId: string): WorkshopMessage[];
  audit(workshopId: string, attendeeId: string | null, kind: string, detail: string, at?: Date): void;
  auditLog(workshopId: string): AuditEvent[];
  close(): void;
}
