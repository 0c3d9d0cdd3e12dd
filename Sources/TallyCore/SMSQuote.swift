/// The price of one SMS: destination country × segments.
public struct SMSQuote: Sendable, Equatable {
    public let rate: SMSRate
    public let segmentation: SMSSegmentation

    public var credits: Credits {
        rate.creditsPerSegment.times(Int64(segmentation.segments))!
    }

    /// Prices a message to a parsed number, or says which field makes it unsendable.
    public static func quote(
        to number: PhoneNumber,
        body: String,
        segmenter: SMSSegmenter = SMSSegmenter()
    )
        -> Result<SMSQuote, SMSQuoteError>
    {
        guard let rate = Catalog.smsRate(iso: number.regionCode) else {
            return .failure(.unsupportedDestination(iso: number.regionCode))
        }
        switch segmenter.segment(body) {
        case .failure(let error): return .failure(.body(error))
        case .success(let segmentation): return .success(SMSQuote(rate: rate, segmentation: segmentation))
        }
    }
}

/// Why an SMS cannot be priced.
public enum SMSQuoteError: Error, Sendable, Equatable {
    /// The destination's country is not in the price table: it cannot be sent to.
    case unsupportedDestination(iso: String)
    case body(SMSBodyError)

    public var field: String {
        switch self {
        case .unsupportedDestination: "to"
        case .body: "body"
        }
    }

    public var reason: String {
        switch self {
        case .unsupportedDestination(let iso): "SMS to this destination (\(iso)) is not offered: it is not in the price table"
        case .body(let error): error.reason
        }
    }
}
