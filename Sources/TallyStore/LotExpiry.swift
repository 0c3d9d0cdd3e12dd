import TallyCore

/// What both stores need to keep expired credits out of every debit: a lot's spendable
/// credits are the expiry's from the instant its `expiresAt` comes (`LotOrder.hasExpired`),
/// whether or not the credit expiry worker has taken them out of the wallet yet.
extension Posting {
    /// Whether the posting spends credits drawn from the lots in draw order — a charge, a
    /// hold, a negative adjustment. The wallet's balance check of such a posting leaves
    /// out the credits of lots whose expiry has come, so the wallet row stays the one
    /// place a debit is refused.
    var drawsLots: Bool { fromLot == nil && change.available < .zero }

    /// The `expiry` entry that takes out the credits this posting gave back to `lot` (a
    /// hold released after its lot expired): one per posting and lot.
    func expiryID(of lot: LotID) -> LedgerEntryID { LedgerEntryID("\(id.rawValue)-expiry-\(lot.rawValue)") }
}
