/**
 * The one error class for mistakes a user can make: bad config, unknown key, missing or
 * corrupt file, impossible shape. The CLI prints `message` alone (no stack) and exits 2.
 * Anything else that is thrown is a bug and keeps its stack.
 */
export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(message: string) {
    super(message);
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}

/**
 * A runner found that another runner has taken over its run's lease (it had stalled: stopped,
 * suspended, cut off): it stops without writing anything more into the run's folder.
 */
export class LostLeaseError extends Error {
  readonly lostLease = true;
}
export const isLostLease = (e: unknown): e is LostLeaseError => e instanceof Error && (e as Partial<LostLeaseError>).lostLease === true;
