import Foundation
import TallyCore

extension JSONDecoder.DateDecodingStrategy {
    /// Times in request bodies: strict RFC 3339 (`RFC3339.parse`). A time that is not one
    /// is refused naming its field (`expiresAt`), never the whole body, and never read
    /// as a nearby instant.
    static var rfc3339: Self {
        .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            switch RFC3339.parse(text) {
            case .success(let date):
                return date
            case .failure(let problem):
                throw DecodingError.dataCorrupted(DecodingError.Context(codingPath: decoder.codingPath, debugDescription: problem.reason))
            }
        }
    }
}
