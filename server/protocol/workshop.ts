// Shapes of the attendee's side of the workshop API (server/api/workshop-routes.ts) as the
// browser sees them: GET /api/workshops/me and the messages of the attendee-live socket. Types
// only: the site imports this file.

export interface WorkshopMessageView {
  id: number;
  message: string;
  at: string;
}

export interface AttendeeBanner {
  workshop: { id: string; title: string; labs: string[]; endsAt: string | null; endedAt: string | null };
  attendee: { id: string; name: string; handRaised: boolean };
  messages: WorkshopMessageView[];
  /** Whether the instructor is typing into the attendee's terminal right now. */
  takenOver?: boolean;
}

/** GET /api/workshops/me */
export interface AttendeeMe extends AttendeeBanner {
  environment: { rebuilt: boolean; message?: string };
}

/** Server → attendee on /api/workshops/attendee-live. */
export type AttendeeLiveMessage =
  | ({ type: 'banner' } & AttendeeBanner)
  | { type: 'message'; message: WorkshopMessageView }
  | { type: 'reset'; message: string }
  | { type: 'ended'; message: string }
  | { type: 'takeover'; active: boolean; message: string };

/** Instructor → server on /api/workshops/watch: first the hello, then take-over, input and release. */
export type WatchClientMessage =
  | { token: string; workshopId: string; attendeeId: string }
  | { type: 'takeover' }
  | { type: 'release' }
  | { type: 'input'; data: string };

/** Server → instructor on /api/workshops/watch (besides the terminal protocol's binary output frames). */
export type WatchServerMessage =
  | { type: 'watching'; terminalId: string; cols: number; rows: number; truncated: boolean }
  | { type: 'takeover'; active: boolean }
  | { type: 'exit'; message: string }
  | { type: 'error'; message: string };
