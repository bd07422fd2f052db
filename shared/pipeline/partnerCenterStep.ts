/** What a live-mode step in Partner Center (an invitation, an order) reports to its processor. */
export interface PartnerCenterStep {
  readonly notes: readonly string[];
  readonly warn: boolean;
  /** Commit attempts of its own writes. */
  readonly attempts: number;
  readonly writes: number;
}

/** Nothing to do: records mode, or nothing left to make in Partner Center. */
export const NO_STEP: PartnerCenterStep = { notes: [], warn: false, attempts: 0, writes: 0 };
