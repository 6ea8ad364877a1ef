/** Every stored time in the airlock (request, audit, review, scan) is whole seconds since the epoch, as Azure TRE stores them. */
export function epochSeconds(at: Date): number {
  return Math.floor(at.getTime() / 1000);
}
